//! Thin singular value decomposition by one-sided Jacobi (Hestenes), in f64.
//!
//! Only the I-Norm initialization needs an SVD (`B_ix = diag(S)·Vᵀ`, protocol
//! §2.4), once per layer, so the algorithm is chosen for being short and
//! accurate rather than fast: repeatedly rotate pairs of rows of `A` until
//! all rows are mutually orthogonal. The rotated rows are then `S·Vᵀ`, and
//! the product of the rotations is `Uᵀ`.
//!
//! For a `rows × cols` matrix with `rows ≤ cols` one sweep costs about
//! `3·rows²·cols` flops; a few sweeps (typically 6–10) converge to machine
//! precision. Wider-than-tall inputs are handled by decomposing `Aᵀ`.

/// `A = U·diag(s)·Vᵀ` with `k = min(rows, cols)` singular values.
#[derive(Clone, Debug)]
pub struct Svd {
    /// `rows × k`, orthonormal columns, row-major.
    pub u: Vec<f64>,
    /// `k` singular values, descending, non-negative.
    pub s: Vec<f64>,
    /// `k × cols`, orthonormal rows, row-major (a row is zero where `s` is 0).
    pub vt: Vec<f64>,
    pub rows: usize,
    pub cols: usize,
}

/// Rotation is skipped once `|aᵢ·aⱼ| ≤ TOL·‖aᵢ‖·‖aⱼ‖`.
const TOL: f64 = 1e-14;
/// Sweeps before giving up (convergence is quadratic; this is never reached
/// for finite input).
const MAX_SWEEPS: usize = 60;

/// Thin SVD of a row-major `rows × cols` matrix.
pub fn svd(a: &[f64], rows: usize, cols: usize) -> Svd {
    assert_eq!(a.len(), rows * cols, "svd: {} values for {rows}x{cols}", a.len());
    if rows <= cols {
        return svd_wide(a, rows, cols);
    }
    // Aᵀ = U'·S·V'ᵀ  =>  A = V'·S·U'ᵀ: swap the roles of the factors.
    let at = transpose(a, rows, cols);
    let t = svd_wide(&at, cols, rows);
    let k = t.s.len();
    Svd {
        u: transpose(&t.vt, k, rows), // (k, rows)ᵀ -> (rows, k)
        s: t.s,
        vt: transpose(&t.u, cols, k), // (cols, k)ᵀ -> (k, cols)
        rows,
        cols,
    }
}

/// `diag(S)·Vᵀ` of a `rows × cols` matrix with `rows ≤ cols` (row-major,
/// rows in descending order of `S`), without forming `U`: the rows of `A`
/// after the Jacobi rotations. This is all the I-Norm init needs
/// (`B_ix = diag(S)·Vᵀ`), at about two thirds of the cost of [`svd`].
pub fn singular_rows(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    assert_eq!(
        a.len(),
        rows * cols,
        "singular_rows: {} values for {rows}x{cols}",
        a.len()
    );
    assert!(
        rows <= cols,
        "singular_rows: needs rows <= cols, got {rows}x{cols}"
    );
    let (r, norm2) = orthogonalize_rows(a, rows, cols, None);
    let mut out = Vec::with_capacity(rows * cols);
    for i in descending(&norm2) {
        out.extend_from_slice(row(&r, cols, i));
    }
    out
}

/// One-sided Jacobi on the rows of `A` (`rows ≤ cols`).
fn svd_wide(a: &[f64], rows: usize, cols: usize) -> Svd {
    let (m, n) = (rows, cols);
    // ut = Uᵀ (m × m), starts as I; receives every rotation applied to the rows.
    let mut ut = vec![0.0; m * m];
    for i in 0..m {
        ut[i * m + i] = 1.0;
    }
    let (r, norm2) = orthogonalize_rows(a, m, n, Some(&mut ut));

    // Singular values are the row norms, sorted descending.
    let mut u = vec![0.0; m * m];
    let mut s = vec![0.0; m];
    let mut vt = vec![0.0; m * n];
    for (k, i) in descending(&norm2).into_iter().enumerate() {
        let sigma = norm2[i].sqrt();
        s[k] = sigma;
        if sigma > 0.0 {
            for (v, x) in vt[k * n..(k + 1) * n].iter_mut().zip(row(&r, n, i)) {
                *v = x / sigma;
            }
        }
        // Column k of U is row i of Uᵀ.
        for j in 0..m {
            u[j * m + k] = ut[i * m + j];
        }
    }
    Svd { u, s, vt, rows, cols }
}

/// Rotates pairs of rows of `A` (`m × n`) until all are mutually
/// orthogonal; returns the rotated rows `R` and their squared norms.
/// `A = U·R` with `U` orthogonal; every rotation is also applied to the
/// rows of `ut` (= `Uᵀ`) when given.
fn orthogonalize_rows(a: &[f64], m: usize, n: usize, mut ut: Option<&mut Vec<f64>>) -> (Vec<f64>, Vec<f64>) {
    let mut r = a.to_vec();
    let mut norm2: Vec<f64> = (0..m).map(|i| dot(row(&r, n, i), row(&r, n, i))).collect();
    for _ in 0..MAX_SWEEPS {
        let mut rotated = false;
        for p in 0..m {
            for q in p + 1..m {
                let (alpha, beta) = (norm2[p], norm2[q]);
                if alpha == 0.0 || beta == 0.0 {
                    continue;
                }
                let gamma = dot(row(&r, n, p), row(&r, n, q));
                if gamma.abs() <= TOL * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                // Choose t = tan θ so that the rotated pair is orthogonal:
                //   (c·a − s·b)·(s·a + c·b) = 0  <=>  t² + 2ζt − 1 = 0,
                //   ζ = (β − α) / 2γ, smaller root for stability.
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                let (np, nq) = rotate_rows(&mut r, n, p, q, c, s);
                norm2[p] = np;
                norm2[q] = nq;
                if let Some(ut) = ut.as_deref_mut() {
                    rotate_rows(ut, m, p, q, c, s);
                }
            }
        }
        if !rotated {
            break;
        }
    }
    (r, norm2)
}

/// Indices of `norm2` by descending value.
fn descending(norm2: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..norm2.len()).collect();
    order.sort_by(|&i, &j| norm2[j].total_cmp(&norm2[i]));
    order
}

fn row(a: &[f64], n: usize, i: usize) -> &[f64] {
    &a[i * n..(i + 1) * n]
}

/// Independent partial sums per lane: without them a floating-point
/// reduction is one serial chain and cannot use SIMD.
const LANES: usize = 8;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0; LANES];
    for (x, y) in a_chunks.zip(b_chunks) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// `(a, b) <- (c·a − s·b, s·a + c·b)` on rows `p < q`; returns the new
/// squared norms (accumulated in the same pass, so they never drift).
fn rotate_rows(m: &mut [f64], n: usize, p: usize, q: usize, c: f64, s: f64) -> (f64, f64) {
    let (head, tail) = m.split_at_mut(q * n);
    let a = &mut head[p * n..(p + 1) * n];
    let b = &mut tail[..n];
    let rotate = |x: &mut f64, y: &mut f64| {
        let (xa, yb) = (*x, *y);
        *x = c * xa - s * yb;
        *y = s * xa + c * yb;
    };
    let split = n - n % LANES;
    let (mut na, mut nb) = ([0.0; LANES], [0.0; LANES]);
    for (x, y) in a[..split]
        .chunks_exact_mut(LANES)
        .zip(b[..split].chunks_exact_mut(LANES))
    {
        for l in 0..LANES {
            rotate(&mut x[l], &mut y[l]);
            na[l] += x[l] * x[l];
            nb[l] += y[l] * y[l];
        }
    }
    let (mut na, mut nb) = (na.iter().sum::<f64>(), nb.iter().sum::<f64>());
    for (x, y) in a[split..].iter_mut().zip(&mut b[split..]) {
        rotate(x, y);
        na += *x * *x;
        nb += *y * *y;
    }
    (na, nb)
}

fn transpose(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; a.len()];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = a[i * cols + j];
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn random(rows: usize, cols: usize, seed: u64) -> Vec<f64> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0)).collect()
    }

    fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
    }

    fn reconstruct(d: &Svd) -> Vec<f64> {
        let k = d.s.len();
        let mut a = vec![0.0; d.rows * d.cols];
        for i in 0..d.rows {
            for j in 0..d.cols {
                a[i * d.cols + j] = (0..k)
                    .map(|l| d.u[i * k + l] * d.s[l] * d.vt[l * d.cols + j])
                    .sum();
            }
        }
        a
    }

    /// max |XᵀX − I| for the k columns of a row-major (n × k) matrix.
    fn column_orthonormality_error(x: &[f64], n: usize, k: usize) -> f64 {
        let mut worst: f64 = 0.0;
        for a in 0..k {
            for b in 0..k {
                let g: f64 = (0..n).map(|i| x[i * k + a] * x[i * k + b]).sum();
                let want = if a == b { 1.0 } else { 0.0 };
                worst = worst.max((g - want).abs());
            }
        }
        worst
    }

    #[test]
    fn wide_matrix_is_reconstructed_from_its_factors() {
        let a = random(12, 30, 1);
        let d = svd(&a, 12, 30);
        assert!(max_abs_diff(&reconstruct(&d), &a) < 1e-12);
    }

    #[test]
    fn tall_matrix_is_reconstructed_from_its_factors() {
        let a = random(25, 9, 2);
        let d = svd(&a, 25, 9);
        assert_eq!((d.u.len(), d.s.len(), d.vt.len()), (25 * 9, 9, 9 * 9));
        assert!(max_abs_diff(&reconstruct(&d), &a) < 1e-12);
    }

    #[test]
    fn factors_are_orthonormal() {
        for (rows, cols) in [(10, 40), (40, 10), (16, 16)] {
            let d = svd(&random(rows, cols, 3), rows, cols);
            let k = d.s.len();
            assert!(column_orthonormality_error(&d.u, rows, k) < 1e-12);
            let v = transpose(&d.vt, k, cols);
            assert!(column_orthonormality_error(&v, cols, k) < 1e-12);
        }
    }

    #[test]
    fn singular_rows_are_s_times_vt() {
        let a = random(8, 20, 5);
        let d = svd(&a, 8, 20);
        let rows = singular_rows(&a, 8, 20);
        let want: Vec<f64> = (0..8 * 20).map(|i| d.s[i / 20] * d.vt[i]).collect();
        assert!(max_abs_diff(&rows, &want) < 1e-12);
    }

    #[test]
    fn singular_values_are_sorted_and_match_a_diagonal_matrix() {
        // diag(3, 0.5, 2) padded with zero columns has singular values 3, 2, 0.5.
        let mut a = vec![0.0; 3 * 5];
        a[0] = 3.0;
        a[5 + 1] = 0.5;
        a[10 + 2] = 2.0;
        let d = svd(&a, 3, 5);
        assert!(max_abs_diff(&d.s, &[3.0, 2.0, 0.5]) < 1e-15);
    }

    #[test]
    fn rank_deficient_matrix_has_zero_singular_values_and_is_reconstructed() {
        // Rank 2: rows are combinations of two random vectors.
        let base = random(2, 20, 4);
        let mut a = vec![0.0; 6 * 20];
        for i in 0..6 {
            for j in 0..20 {
                a[i * 20 + j] = (i as f64) * base[j] + (1.0 - i as f64 * 0.3) * base[20 + j];
            }
        }
        let d = svd(&a, 6, 20);
        assert!(d.s[2..].iter().all(|&s| s < 1e-12));
        assert!(max_abs_diff(&reconstruct(&d), &a) < 1e-12);
    }
}
