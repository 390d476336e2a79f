//! A 2-D row-major `f32` tensor (rows = batch).

use crate::gemm::gemm;

/// A dense row-major matrix of `f32`. Row `r` is `data[r * cols..(r + 1) * cols]`.
#[derive(Default)]
pub struct Tensor {
    rows: usize,
    cols: usize,
    /// At least `rows * cols` values. A reused buffer keeps its tail, so a
    /// buffer that shrinks and grows again is not zeroed again.
    data: Vec<f32>,
}

impl Tensor {
    pub fn zeros(rows: usize, cols: usize) -> Tensor {
        Tensor::filled(rows, cols, 0.0)
    }

    pub fn filled(rows: usize, cols: usize, v: f32) -> Tensor {
        Tensor::from_vec(rows, cols, vec![v; rows * cols])
    }

    /// Wraps `data` (row-major). Panics if its length is not `rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f32>) -> Tensor {
        let n = data.len();
        assert_eq!(
            n,
            rows * cols,
            "Tensor::from_vec: {n} values do not fill a ({rows}, {cols}) tensor"
        );
        Tensor { rows, cols, data }
    }

    /// Reuses `data` as the storage of a `rows × cols` tensor. Entries are
    /// whatever `data` held (zero where it had to grow): callers overwrite them.
    pub(crate) fn from_buffer(rows: usize, cols: usize, mut data: Vec<f32>) -> Tensor {
        if data.len() < rows * cols {
            data.resize(rows * cols, 0.0);
        }
        Tensor { rows, cols, data }
    }

    pub(crate) fn into_buffer(self) -> Vec<f32> {
        self.data
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    pub fn len(&self) -> usize {
        self.rows * self.cols
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn data(&self) -> &[f32] {
        &self.data[..self.len()]
    }

    pub fn data_mut(&mut self) -> &mut [f32] {
        let n = self.len();
        &mut self.data[..n]
    }

    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    pub fn row_mut(&mut self, r: usize) -> &mut [f32] {
        &mut self.data[r * self.cols..(r + 1) * self.cols]
    }

    pub fn get(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.cols + c]
    }

    /// `A·B`: (m, k) @ (k, n) -> (m, n).
    pub fn matmul(&self, b: &Tensor) -> Tensor {
        let mut c = Tensor::zeros(self.rows, b.cols);
        gemm(1.0, self, false, b, false, 0.0, &mut c);
        c
    }

    /// `A·Bᵀ`: (m, k) @ (n, k)ᵀ -> (m, n).
    pub fn matmul_nt(&self, b: &Tensor) -> Tensor {
        let mut c = Tensor::zeros(self.rows, b.rows);
        gemm(1.0, self, false, b, true, 0.0, &mut c);
        c
    }

    pub fn transpose(&self) -> Tensor {
        let mut t = Tensor::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                t.data[c * self.rows + r] = self.data[r * self.cols + c];
            }
        }
        t
    }
}

impl Clone for Tensor {
    fn clone(&self) -> Tensor {
        Tensor::from_vec(self.rows, self.cols, self.data().to_vec())
    }
}

impl PartialEq for Tensor {
    fn eq(&self, other: &Tensor) -> bool {
        self.shape() == other.shape() && self.data() == other.data()
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (rows, cols, data) = (self.rows, self.cols, self.data());
        f.debug_struct("Tensor")
            .field("rows", &rows)
            .field("cols", &cols)
            .field("data", &data)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &Tensor, b: &Tensor) -> Tensor {
        let mut c = Tensor::zeros(a.rows, b.cols);
        for i in 0..a.rows {
            for j in 0..b.cols {
                let s: f64 = (0..a.cols).map(|k| a.get(i, k) as f64 * b.get(k, j) as f64).sum();
                c.data[i * b.cols + j] = s as f32;
            }
        }
        c
    }

    fn ramp(rows: usize, cols: usize, seed: f32) -> Tensor {
        let data = (0..rows * cols).map(|i| (i as f32 * 0.37 + seed).sin()).collect();
        Tensor::from_vec(rows, cols, data)
    }

    fn assert_close(x: &Tensor, y: &Tensor) {
        assert_eq!(x.shape(), y.shape());
        for (p, q) in x.data().iter().zip(y.data()) {
            assert!((p - q).abs() < 1e-5, "{p} vs {q}");
        }
    }

    #[test]
    fn strided_transposes_match_naive_products() {
        let a = ramp(3, 5, 0.1);
        let b = ramp(5, 4, 0.7);
        assert_close(&a.matmul(&b), &naive(&a, &b));
        let (at, bt) = (a.transpose(), b.transpose());
        assert_close(&a.matmul_nt(&bt), &naive(&a, &b));
        let mut c = Tensor::zeros(3, 4);
        gemm(1.0, &at, true, &b, false, 0.0, &mut c);
        assert_close(&c, &naive(&a, &b));
    }

    #[test]
    fn gemm_with_beta_one_accumulates() {
        let a = ramp(2, 3, 0.2);
        let b = ramp(3, 2, 0.4);
        let mut c = Tensor::filled(2, 2, 1.0);
        gemm(2.0, &a, false, &b, false, 1.0, &mut c);
        let mut want = naive(&a, &b);
        want.data_mut().iter_mut().for_each(|v| *v = 2.0 * *v + 1.0);
        assert_close(&c, &want);
    }

    #[test]
    #[should_panic(expected = "gemm")]
    fn mismatched_inner_dimensions_panic_with_op_name() {
        ramp(2, 3, 0.0).matmul(&ramp(4, 2, 0.0));
    }
}
