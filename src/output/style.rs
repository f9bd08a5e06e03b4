//! The terminal's colours: one style per impact class, the same wherever a class is shown,
//! and none at all when colour is off. The escape codes come from `anstyle`; text is
//! padded before it is painted, so columns line up with or without colour.

use anstyle::Style;

use crate::report::Impact;

/// The style of an impact class: its palette colour ([`super::palette::impact_ansi`]),
/// bold where mail stops.
pub fn impact(imp: Impact) -> Style {
    let style = Style::new().fg_color(super::palette::impact_ansi(imp).map(Into::into));
    if imp == Impact::MailStops {
        style.bold()
    } else {
        style
    }
}

/// Paints text, or leaves it alone when colour is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paint {
    pub color: bool,
}

impl Paint {
    /// `text` in `style`, the style reset after it.
    pub fn paint(self, text: &str, style: Style) -> String {
        if !self.color || style.is_plain() {
            return text.to_string();
        }
        format!("{}{text}{}", style.render(), style.render_reset())
    }

    /// `text` painted, then padded to `width` characters (the padding unpainted).
    pub fn padded(self, text: &str, width: usize, style: Style) -> String {
        let pad = width.saturating_sub(text.chars().count());
        self.paint(text, style) + &" ".repeat(pad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_off_is_plain_text() {
        let off = Paint { color: false };
        for imp in Impact::ALL {
            assert_eq!(off.paint(imp.as_str(), impact(imp)), imp.as_str());
        }
    }

    #[test]
    fn colour_on_wraps_the_text_and_pads_outside() {
        let on = Paint { color: true };
        let red = on.padded("mail_stops", 12, impact(Impact::MailStops));
        assert!(red.starts_with('\u{1b}') && red.ends_with("m  "), "{red:?}");
        assert!(red.contains("mail_stops\u{1b}["), "{red:?}");
        assert_eq!(on.paint("x", Style::new()), "x");
    }

    #[test]
    fn every_class_that_is_at_risk_is_coloured() {
        for imp in Impact::ALL.into_iter().filter(|i| i.at_risk()) {
            assert!(!impact(imp).is_plain(), "{imp:?}");
        }
    }
}
