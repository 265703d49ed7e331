//! Reading and writing other programs' files: vCard and CSV contacts, a spreadsheet of
//! deals, and Rapport's own JSON backup. Readers turn bytes into plain records
//! (`record`); `import` validates them and writes them in one transaction; `export`
//! writes the store back out.
//!
//! Nothing here panics on any input: a file that cannot be read is a `ReadError`, a
//! record that cannot be used is a `Problem` with its file position.

pub mod backup;
pub mod csv;
pub mod deals;
pub mod decode;
pub mod draft;
pub mod fields;
pub mod headers;
pub mod import;
pub mod mapping;
pub mod record;
pub mod sheet;
mod table;
pub mod vcard;

pub use self::csv::{CsvOptions, read_contacts, write_contacts};
pub use mapping::FieldMap;
pub use record::{ContactRecord, Labeled, Problem, ReadError, ReadOutcome};

use std::path::Path;

use import::SourceFile;

/// How to read contact files (`rapport import`'s `--encoding` and `--map`).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// CSV column mapping, e.g. `name="Full Name",phone=Mobile`.
    pub map: Option<String>,
}

/// Whether a file without a telling extension holds vCards.
fn looks_like_vcard(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let (encoding, bom) = decode::file_encoding(head, None);
    let (text, _) = encoding.decode_without_bom_handling(head.get(bom..).unwrap_or(&[]));
    text.to_ascii_uppercase().contains("BEGIN:VCARD")
}

/// Reads one contact file, a vCard (`.vcf`, `.vcard`) or a CSV (`.csv`, `.tsv`,
/// `.txt`); another extension is told by content.
pub fn read_contacts_file(
    label: &str,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<SourceFile, ReadError> {
    let ext = Path::new(label)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase());
    let vcard = match ext.as_deref() {
        Some("vcf" | "vcard") => true,
        Some("csv" | "tsv" | "txt") => false,
        _ => looks_like_vcard(bytes),
    };
    if vcard {
        if options.map.is_some() {
            return Err(ReadError("--map applies to CSV files, not vCards".into()));
        }
        let outcome = vcard::read(
            bytes,
            &vcard::VcardOptions {
                encoding: options.encoding,
            },
        )?;
        return Ok(SourceFile {
            label: label.to_string(),
            format: "vcard",
            outcome,
        });
    }
    let map = options
        .map
        .as_deref()
        .map(mapping::FieldMap::parse)
        .transpose()
        .map_err(|e| ReadError(format!("--map: {e}")))?;
    let outcome = csv::read_contacts(
        bytes,
        &csv::CsvOptions {
            encoding: options.encoding,
            map,
        },
    )?;

    Ok(SourceFile {
        label: label.to_string(),
        format: "csv",
        outcome,
    })
}
pub use sheet::{
    AccountRecord, DealRecord, ProductMatch, ProductRecord, SheetOutcome, TeamRecord,
    product_match, read_accounts, read_deals, read_products, read_teams,
};
