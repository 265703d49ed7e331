//! Stored text may hold control characters (imported names, pasted notes). Before any of
//! it reaches a terminal, control characters become visible placeholders so nothing can
//! move the cursor, clear the screen or retitle the window.

use std::borrow::Cow;

/// Replaces every control character with a visible stand-in: C0 controls with the
/// Unicode "control pictures" (ESC shows as `␛`), DEL with `␡`, C1 controls and bidi
/// overrides with `�`. Newlines and tabs become `⏎` and a space: a single-line context.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_replacing) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(replacement).collect())
}

/// `for_terminal` for text of many lines (an export shown on a terminal): line breaks
/// (`\n`, `\r\n`) and tabs stay; every other control character, a lone `\r`
/// included (it would overwrite the line), becomes its stand-in.
pub fn for_terminal_lines(s: &str) -> Cow<'_, str> {
    let mut chars = s.chars().peekable();
    let mut clean = true;
    while let Some(c) = chars.next() {
        let kept = matches!(c, '\n' | '\t') || (c == '\r' && chars.peek() == Some(&'\n'));
        if needs_replacing(c) && !kept {
            clean = false;
            break;
        }
    }
    if clean {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let kept = matches!(c, '\n' | '\t') || (c == '\r' && chars.peek() == Some(&'\n'));
        out.push(if kept { c } else { replacement(c) });
    }
    Cow::Owned(out)
}

/// A message of several lines (an error, a report) for a terminal: each line made
/// harmless by [`for_terminal`], and any word longer than [`LONGEST_WORD`] characters
/// (a pasted 1 MB value echoed in a refusal) cut in the middle, saying how much.
pub fn message_for_terminal(s: &str) -> String {
    s.split('\n')
        .map(|line| shorten_words(&for_terminal(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Words longer than this are shown by their ends.
pub const LONGEST_WORD: usize = 200;

fn shorten_words(line: &str) -> String {
    if line.len() <= LONGEST_WORD {
        return line.to_string();
    }
    line.split(' ')
        .map(|word| {
            let n = word.chars().count();
            if n <= LONGEST_WORD {
                return word.to_string();
            }
            let head: String = word.chars().take(60).collect();
            let tail: String = word.chars().skip(n - 20).collect();
            format!("{head}…[{} characters left out]…{tail}", n - 80)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn needs_replacing(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

// Explicit bidi embeddings/overrides/isolates can reorder the rest of the screen line.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn replacement(c: char) -> char {
    match c {
        '\n' | '\r' => '⏎',
        '\t' => ' ',
        '\u{7F}' => '␡',
        c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('�'),
        c if needs_replacing(c) => '�',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_keep_their_lines_and_lose_control_codes_and_huge_words() {
        let big = "x".repeat(1_048_576);
        let msg = format!("email: \"{big}\" has no @\n  line 2 \u{1b}[2J ok");
        let shown = message_for_terminal(&msg);
        assert!(shown.len() < 300, "{}", shown.len());
        assert!(shown.contains("[1048498 characters left out]"), "{shown}");
        assert!(shown.ends_with("has no @\n  line 2 ␛[2J ok"), "{shown}");
        assert_eq!(message_for_terminal("short\nlines"), "short\nlines");
    }

    #[test]
    fn escape_sequences_become_visible() {
        let shown = for_terminal("Evil\u{1b}[2J\u{7}Name\u{9b}31m");
        assert_eq!(shown, "Evil␛[2J␇Name�31m");
        assert!(!shown.chars().any(char::is_control));
    }

    #[test]
    fn many_lines_keep_their_breaks_and_lose_everything_else() {
        let shown = for_terminal_lines("FN:Evil\u{1b}]0;title\u{7}\r\nNOTE:a\rb\tc\n");
        assert_eq!(shown, "FN:Evil␛]0;title␇\r\nNOTE:a⏎b\tc\n");
        assert!(matches!(for_terminal_lines("a\r\nb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(for_terminal("Мария Иванова"), Cow::Borrowed(_)));
        assert!(matches!(for_terminal("زهرا احمدی"), Cow::Borrowed(_)));
    }
}
