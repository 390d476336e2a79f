//! Standard deviations of a sample, and of groups of repeated measurements
//! (a configuration's runs over seeds): within the groups, pooled, and
//! between their means.

/// The sample standard deviation (divisor n − 1); `None` below two values.
pub fn sd(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    Some((ss / (n - 1) as f64).sqrt())
}

/// The pooled within-group standard deviation, `sqrt(Σ_g Σ_i (x_gi − x̄_g)² / Σ_g (n_g − 1))`,
/// over the groups of at least two values; `None` if there are none.
pub fn pooled_sd(groups: &[Vec<f64>]) -> Option<f64> {
    let (mut ss, mut dof) = (0.0, 0usize);
    for g in groups.iter().filter(|g| g.len() >= 2) {
        let mean = g.iter().sum::<f64>() / g.len() as f64;
        ss += g.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
        dof += g.len() - 1;
    }
    (dof > 0).then(|| (ss / dof as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_matches_the_closed_form() {
        // mean 5, squared deviations 9 + 1 + 1 + 9 = 20, divisor 3.
        let got = sd(&[2.0, 4.0, 6.0, 8.0]).unwrap();
        assert!((got - (20.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(sd(&[1.0]), None);
    }

    #[test]
    fn pooled_sd_weighs_each_group_by_its_degrees_of_freedom() {
        // [1, 2, 3]: squared deviations 2, dof 2; [2, 4]: 2, dof 1;
        // [7] has no spread to pool. sqrt(4 / 3).
        let groups = vec![vec![1.0, 2.0, 3.0], vec![2.0, 4.0], vec![7.0]];
        let got = pooled_sd(&groups).unwrap();
        assert!((got - (4.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(pooled_sd(&[vec![1.0], vec![2.0]]), None);
    }

    #[test]
    fn pooled_sd_of_one_group_is_its_sd() {
        let g = vec![0.3, 1.7, -0.4, 2.2, 0.9];
        assert!((pooled_sd(std::slice::from_ref(&g)).unwrap() - sd(&g).unwrap()).abs() < 1e-12);
    }
}
