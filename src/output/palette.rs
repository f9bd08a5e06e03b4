//! The one place colours come from: each impact class, outcome and direction has one
//! colour, used alike by every chart and table of the HTML page, and each class the
//! nearest of the terminal's sixteen colours (the terminal keeps its own theme's shades).

use crate::outcome::Outcome;
use crate::partner::Direction;
use crate::report::Impact;

/// A colour as red, green, blue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for CSS.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Black or white, whichever reads on this colour (by its relative luminance).
    pub fn ink(self) -> Rgb {
        let l = 0.299 * f64::from(self.0) + 0.587 * f64::from(self.1) + 0.114 * f64::from(self.2);
        if l > 150.0 {
            Rgb(0, 0, 0)
        } else {
            Rgb(255, 255, 255)
        }
    }
}

/// The terminal's colour of a class, the nearest hue to [`impact`]'s (`None`: the
/// terminal's own text colour).
pub fn impact_ansi(i: Impact) -> Option<anstyle::AnsiColor> {
    use anstyle::AnsiColor as A;
    match i {
        Impact::MailStops | Impact::FallsBackToCleartext => Some(A::Red),
        Impact::PartiallyAffected => Some(A::Yellow),
        Impact::TlsFailing => Some(A::Magenta),
        Impact::Unknown | Impact::NoEvidence => Some(A::BrightBlack),
        Impact::CleartextOnly => Some(A::Blue),
        Impact::Unaffected => Some(A::Green),
    }
}

/// Worst classes hot (red to amber), the ones that need no action cool and grey.
pub fn impact(i: Impact) -> Rgb {
    match i {
        Impact::MailStops => Rgb(0xa5, 0x00, 0x26),
        Impact::FallsBackToCleartext => Rgb(0xd7, 0x30, 0x27),
        Impact::PartiallyAffected => Rgb(0xf4, 0xa5, 0x1c),
        Impact::TlsFailing => Rgb(0x76, 0x2a, 0x83),
        Impact::Unknown => Rgb(0x87, 0x87, 0x87),
        Impact::CleartextOnly => Rgb(0x45, 0x75, 0xb4),
        Impact::NoEvidence => Rgb(0xcc, 0xcc, 0xcc),
        Impact::Unaffected => Rgb(0x1a, 0x98, 0x50),
    }
}

/// Newer versions green, refused ones orange to red, the rest purple, blue and greys.
pub fn outcome(o: Outcome) -> Rgb {
    match o {
        Outcome::Tls13 => Rgb(0x00, 0x68, 0x37),
        Outcome::Tls12 => Rgb(0x1a, 0x98, 0x50),
        Outcome::Tls11 => Rgb(0xa6, 0xd9, 0x6a),
        Outcome::Tls10 => Rgb(0xfd, 0xae, 0x61),
        Outcome::Ssl3 => Rgb(0xd7, 0x30, 0x27),
        Outcome::Ssl2 => Rgb(0x67, 0x00, 0x1f),
        Outcome::TlsUnknown => Rgb(0x87, 0x87, 0x87),
        Outcome::TlsFailed => Rgb(0x76, 0x2a, 0x83),
        Outcome::Cleartext => Rgb(0x45, 0x75, 0xb4),
        Outcome::Incomplete => Rgb(0xbd, 0xbd, 0xbd),
        Outcome::NoConversation => Rgb(0xe0, 0xe0, 0xe0),
    }
}

/// One line per direction.
pub fn direction(d: Direction) -> Rgb {
    match d {
        Direction::Client => Rgb(0x98, 0x4e, 0xa3),
        Direction::Inbound => Rgb(0x37, 0x7e, 0xb8),
        Direction::Internal => Rgb(0x4d, 0xaf, 0x4a),
        Direction::Outbound => Rgb(0xff, 0x7f, 0x00),
    }
}

/// The band behind a day without logs.
pub const MISSING: Rgb = Rgb(0xee, 0xee, 0xee);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_and_outcome_has_its_own_colour() {
        let classes: Vec<_> = Impact::ALL.map(impact).to_vec();
        let outcomes: Vec<_> = Outcome::ALL.map(outcome).to_vec();
        for list in [classes, outcomes] {
            for (i, c) in list.iter().enumerate() {
                assert!(!list[i + 1..].contains(c), "{c:?} used twice");
            }
        }
        assert_eq!(Rgb(255, 0, 16).hex(), "#ff0010");
        assert_eq!(Rgb(250, 250, 250).ink(), Rgb(0, 0, 0));
    }
}
