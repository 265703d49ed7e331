//! Reading and writing other programs' files: vCard and CSV contacts, a spreadsheet of
//! deals, and Rapport's own JSON backup. Readers turn bytes into plain records
//! (`record`); `import` validates them and writes them in one transaction; `export`
//! writes the store back out.
//!
//! Nothing here panics on any input: a file that cannot be read is a `ReadError`, a
//! record that cannot be used is a `Problem` with its file position.

pub mod csv;
pub mod decode;
pub mod mapping;
pub mod record;
pub mod sheet;
mod table;

pub use self::csv::{CsvOptions, read_contacts, write_contacts};
pub use mapping::FieldMap;
pub use record::{ContactRecord, Labeled, Problem, ReadError, ReadOutcome};
pub use sheet::{
    AccountRecord, DealRecord, ProductMatch, ProductRecord, SheetOutcome, TeamRecord,
    product_match, read_accounts, read_deals, read_products, read_teams,
};
