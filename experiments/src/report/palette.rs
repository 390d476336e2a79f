//! One colour per condition, the same in every figure. The first eight are
//! Okabe & Ito's colour-blind-safe palette, the last four from Paul Tol's
//! "muted" scheme, which is also safe. LN+ (`e-ln`), the reference every
//! claim is measured against, is black, and so is its median line. Figures
//! whose lines are luminosity levels colour them by [`eps_color`].

use einet::{Condition, ErrorMode};
use plotters::style::RGBColor;

/// The colour of `c` in every figure.
pub fn color(c: Condition) -> RGBColor {
    use ErrorMode as M;
    match c {
        Condition::ELn => RGBColor(0x00, 0x00, 0x00),
        Condition::INorm(M::None) => RGBColor(0xE6, 0x9F, 0x00),
        Condition::INorm(M::Full) => RGBColor(0x00, 0x72, 0xB2),
        Condition::INorm(M::Scale) => RGBColor(0xD5, 0x5E, 0x00),
        Condition::INorm(M::Center) => RGBColor(0x00, 0x9E, 0x73),
        Condition::INorm(M::Decorrelate) => RGBColor(0xCC, 0x79, 0xA7),
        Condition::INorm(M::Lateral) => RGBColor(0x56, 0xB4, 0xE9),
        Condition::Ei => RGBColor(0x99, 0x99, 0x33),
        Condition::EiLn => RGBColor(0x33, 0x22, 0x88),
        Condition::EiLnDetached => RGBColor(0x88, 0x22, 0x55),
        Condition::ELnDetached => RGBColor(0x44, 0xAA, 0x99),
        Condition::INormSub => RGBColor(0x88, 0x88, 0x88),
    }
}

/// The colour of luminosity level `eps` where levels, not conditions, are
/// the lines: viridis, light to dark as ε grows (grey off the paper's levels).
pub fn eps_color(eps: f32) -> RGBColor {
    match crate::plan::paper::PAPER_EPS.iter().position(|&e| e == eps) {
        Some(0) => RGBColor(0x7A, 0xD1, 0x51),
        Some(1) => RGBColor(0x22, 0xA8, 0x84),
        Some(2) => RGBColor(0x2A, 0x78, 0x8E),
        Some(_) => RGBColor(0x44, 0x01, 0x54),
        None => RGBColor(0x99, 0x99, 0x99),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_condition_has_its_own_colour() {
        let mut seen: Vec<(u8, u8, u8)> = Condition::ALL
            .iter()
            .map(|&c| {
                let RGBColor(r, g, b) = color(c);
                (r, g, b)
            })
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), Condition::ALL.len());
    }
}
