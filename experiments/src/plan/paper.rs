//! The paper's protocol constants (protocol §5): the 30 hyperparameter
//! configurations every condition × ε runs, and the levels of ε.

use serde::{Deserialize, Serialize};

/// One hyperparameter configuration: the task learning rate, the learning
/// rates of the inhibitory groups, and the hidden width.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct HyperConfig {
    pub lr: f32,
    pub lr_wei: f32,
    pub lr_wix: f32,
    pub width: usize,
}

/// The luminosity levels of the paper.
pub const PAPER_EPS: [f32; 4] = [0.0, 0.25, 0.5, 0.75];

/// Epochs of every paper run.
pub const PAPER_EPOCHS: usize = 50;

/// Batch size of the paper.
pub const PAPER_BATCH: usize = 32;

/// The 30 configurations of protocol §5 (`lr / lr_wei / lr_wix / W`), sampled
/// log-uniformly by the authors: lr ∈ [1e-3, 1e-2], lr_wei ∈ [1e-5, 1e-2],
/// lr_wix ∈ [1e-2, 1], W ∈ [100, 500].
pub const PAPER_CONFIGS: [HyperConfig; 30] = [
    cfg(0.004695, 0.000498, 0.831, 178),
    cfg(0.005788, 0.000274, 0.103, 210),
    cfg(0.009452, 0.000654, 0.164, 282),
    cfg(0.003549, 3.03e-05, 0.0421, 252),
    cfg(0.001105, 0.00714, 0.0288, 242),
    cfg(0.008864, 0.00125, 0.0118, 263),
    cfg(0.009713, 0.000123, 0.0121, 354),
    cfg(0.004965, 3.35e-05, 0.507, 228),
    cfg(0.008091, 0.000155, 0.311, 197),
    cfg(0.001104, 0.000547, 0.378, 488),
    cfg(0.009407, 0.00116, 0.715, 308),
    cfg(0.00525, 1.84e-05, 0.0728, 198),
    cfg(0.001502, 1.72e-05, 0.176, 197),
    cfg(0.00981, 0.00295, 0.646, 234),
    cfg(0.002214, 0.000387, 0.181, 284),
    cfg(0.002244, 0.00445, 0.234, 375),
    cfg(0.003068, 0.000926, 0.0148, 453),
    cfg(0.002312, 0.00594, 0.458, 479),
    cfg(0.001266, 0.000652, 0.155, 436),
    cfg(0.003276, 0.00395, 0.57, 440),
    cfg(0.004179, 0.00144, 0.0406, 252),
    cfg(0.002583, 0.00339, 0.308, 294),
    cfg(0.005259, 0.000176, 0.15, 473),
    cfg(0.00759, 0.00181, 0.0314, 252),
    cfg(0.004113, 0.00532, 0.52, 293),
    cfg(0.002314, 0.00184, 0.361, 206),
    cfg(0.003064, 0.000199, 0.0577, 190),
    cfg(0.002054, 1.38e-05, 0.252, 348),
    cfg(0.00548, 0.00583, 0.0415, 468),
    cfg(0.002254, 0.0062, 0.0893, 332),
];

const fn cfg(lr: f32, lr_wei: f32, lr_wix: f32, width: usize) -> HyperConfig {
    HyperConfig {
        lr,
        lr_wei,
        lr_wix,
        width,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_configs_lie_in_the_sampled_ranges() {
        for c in PAPER_CONFIGS {
            assert!((1e-3..=1e-2).contains(&c.lr), "{c:?}");
            assert!((1e-5..=1e-2).contains(&c.lr_wei), "{c:?}");
            assert!((1e-2..=1.0).contains(&c.lr_wix), "{c:?}");
            assert!((100..=500).contains(&c.width), "{c:?}");
        }
    }

    #[test]
    fn spot_checks_match_the_spec_table() {
        assert_eq!(PAPER_CONFIGS[9].width, 488);
        assert_eq!(PAPER_CONFIGS[17].lr_wei, 0.00594);
        assert_eq!(PAPER_CONFIGS[29].lr_wix, 0.0893);
    }
}
