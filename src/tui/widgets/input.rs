//! A one-line text input: the text, a cursor (in characters), and editing keys. A
//! pre-filled text can be selected whole: typing then replaces it, Backspace clears
//! it, and a cursor key lets it go to edit it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The editing keys of every text field and the search query, for the help's
/// "typing" section: the keys (as keymap files write them) and what they do. They are
/// fixed, not in the keymap, as in a shell's line editor.
pub const EDITING_KEYS: &[(&[&str], &str)] = &[
    (&["ctrl-a", "home"], "Go to the start of the text"),
    (&["ctrl-e", "end"], "Go to the end of the text"),
    (&["left", "right"], "Move the cursor a character"),
    (&["ctrl-u"], "Delete everything before the cursor"),
    (&["ctrl-w"], "Delete the word before the cursor"),
    (&["backspace"], "Delete the character before the cursor"),
    (&["delete"], "Delete the character under the cursor"),
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: String,
    /// Cursor position in characters, 0..=len.
    cursor: usize,
    /// The whole text is selected: the next typed text replaces it.
    selected: bool,
}

impl TextInput {
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let cursor = text.chars().count();
        Self {
            text,
            cursor,
            selected: false,
        }
    }

    /// Selects the whole text (when there is any): typing replaces it.
    pub fn select_all(&mut self) {
        self.selected = !self.text.is_empty();
        self.cursor = self.text.chars().count();
    }

    pub fn selected(&self) -> bool {
        self.selected
    }

    fn take_selection(&mut self) {
        if std::mem::take(&mut self.selected) {
            self.text.clear();
            self.cursor = 0;
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn set(&mut self, text: impl Into<String>) {
        *self = Self::new(text);
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        if c.is_control() {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub fn insert_str(&mut self, s: &str) {
        self.take_selection();
        for c in s.chars() {
            self.insert(if c == '\n' || c == '\t' { ' ' } else { c });
        }
    }

    /// Applies an editing key; `false` when the key is not an editing key.
    pub fn handle(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if self.selected {
            match key.code {
                // Typed text, Backspace, Delete, Ctrl-U and Ctrl-W replace the selection.
                KeyCode::Char('u' | 'w') if ctrl => {
                    self.take_selection();
                    return true;
                }
                KeyCode::Backspace | KeyCode::Delete => {
                    self.take_selection();
                    return true;
                }
                KeyCode::Char(_) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                    self.take_selection();
                }
                // Anything else (a cursor key) keeps the text to edit it.
                _ => self.selected = false,
            }
        }
        let len = self.text.chars().count();
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = len,
            KeyCode::Char('u') if ctrl => {
                let at = self.byte_at(self.cursor);
                self.text.replace_range(..at, "");
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && chars[start - 1] != ' ' {
                    start -= 1;
                }
                let (a, b) = (self.byte_at(start), self.byte_at(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
            }
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                self.insert(c)
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_multibyte_text_by_characters() {
        let mut t = TextInput::new("Фёдр");
        t.handle(&key(KeyCode::Left));
        t.handle(&key(KeyCode::Char('о')));
        assert_eq!(t.text(), "Фёдор");
        t.handle(&key(KeyCode::Home));
        t.handle(&key(KeyCode::Delete));
        assert_eq!(t.text(), "ёдор");
        t.handle(&key(KeyCode::End));
        t.handle(&key(KeyCode::Backspace));
        assert_eq!((t.text(), t.cursor()), ("ёдо", 3));
        t.insert('\u{1b}');
        assert_eq!(t.text(), "ёдо", "control characters are never inserted");
    }

    /// Every key the help lists is one `handle` takes, and does what it says.
    #[test]
    fn the_listed_editing_keys_are_the_ones_handled() {
        use crate::tui::keymap::KeyChord;
        for (keys, desc) in EDITING_KEYS {
            for k in *keys {
                let chord = KeyChord::parse(k).unwrap();
                let event = KeyEvent::new(chord.code, chord.mods);
                let mut t = TextInput::new("Ada Lovelace");
                t.handle(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
                let before = t.clone();
                assert!(t.handle(&event), "{k} ({desc}) is not handled");
                assert_ne!(t, before, "{k} ({desc}) changed nothing");
            }
        }
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let mut t = TextInput::new("Иван Петров");
        t.handle(&ctrl('a'));
        assert_eq!(t.cursor(), 0);
        t.handle(&ctrl('e'));
        assert_eq!(t.cursor(), 11);
        t.handle(&ctrl('u'));
        assert_eq!((t.text(), t.cursor()), ("", 0));
    }

    #[test]
    fn a_selected_text_is_replaced_by_typing_and_kept_by_a_cursor_key() {
        let mut t = TextInput::new("+1w 10:00");
        t.select_all();
        t.handle(&key(KeyCode::Char('f')));
        t.handle(&key(KeyCode::Char('r')));
        assert_eq!((t.text(), t.selected()), ("fr", false));
        let mut t = TextInput::new("+1w 10:00");
        t.select_all();
        t.handle(&key(KeyCode::Left));
        t.handle(&key(KeyCode::Char('x')));
        assert_eq!(t.text(), "+1w 10:0x0", "a cursor key lets the selection go");
        let mut t = TextInput::new("tomorrow");
        t.select_all();
        t.handle(&key(KeyCode::Backspace));
        assert_eq!(t.text(), "");
        let mut t = TextInput::new("tomorrow");
        t.select_all();
        t.insert_str("fri 3pm");
        assert_eq!(t.text(), "fri 3pm", "a paste replaces it too");
        let mut empty = TextInput::new("");
        empty.select_all();
        assert!(!empty.selected());
    }

    #[test]
    fn ctrl_w_deletes_a_word() {
        let mut t = TextInput::new("Ada Lovelace");
        t.handle(&KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(t.text(), "Ada ");
    }
}
