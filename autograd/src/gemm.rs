//! `gemm`, the one door to matrix products, on tensors. The `kernels`
//! crate computes them: `matrixmultiply::sgemm`, and for a training
//! batch through a weight a kernel that reads the weight in place and sums
//! exactly as sgemm does. All `unsafe` code lives there, not here.

use kernels::Matrix;

use crate::tensor::Tensor;

/// `c ← alpha·op(a)·op(b) + beta·c`, where `op` transposes when asked: a
/// transposed operand is read through swapped strides, never copied. With
/// `beta = 0` the old contents of `c` are ignored (not even read).
pub fn gemm(alpha: f32, a: &Tensor, trans_a: bool, b: &Tensor, trans_b: bool, beta: f32, c: &mut Tensor) {
    product(kernels::gemm, alpha, (a, trans_a), (b, trans_b), beta, c);
}

/// [`gemm`] by `matrixmultiply::sgemm` alone, for every shape: the
/// reference that the batch kernel is tested and benchmarked against.
pub fn sgemm(alpha: f32, a: &Tensor, trans_a: bool, b: &Tensor, trans_b: bool, beta: f32, c: &mut Tensor) {
    product(kernels::sgemm, alpha, (a, trans_a), (b, trans_b), beta, c);
}

type Kernel = fn(f32, Matrix, Matrix, f32, &mut [f32]);

fn product(kernel: Kernel, alpha: f32, a: (&Tensor, bool), b: (&Tensor, bool), beta: f32, c: &mut Tensor) {
    let (m, _, n) = shape("gemm", a.0, a.1, b.0, b.1);
    assert_eq!(c.shape(), (m, n), "gemm: op(a)·op(b) is ({m}, {n}), c is not");
    kernel(alpha, matrix(a), matrix(b), beta, c.data_mut());
}

fn matrix((t, trans): (&Tensor, bool)) -> Matrix<'_> {
    Matrix {
        data: t.data(),
        rows: t.rows(),
        cols: t.cols(),
        trans,
    }
}

/// The dimensions `(m, k, n)` of `op(a)·op(b)`, where `op` transposes when
/// asked; panics, naming `op_name` and both shapes, if the `k` differ.
pub(crate) fn shape(
    op_name: &str,
    a: &Tensor,
    trans_a: bool,
    b: &Tensor,
    trans_b: bool,
) -> (usize, usize, usize) {
    let op = |t: &Tensor, trans: bool| if trans { (t.cols(), t.rows()) } else { t.shape() };
    let ((m, k), (kb, n)) = (op(a, trans_a), op(b, trans_b));
    let (sa, sb) = (a.shape(), b.shape());
    assert_eq!(
        k, kb,
        "{op_name}: op(a) is ({m}, {k}) but op(b) is ({kb}, {n}) (a {sa:?}, b {sb:?}, trans {trans_a}/{trans_b})"
    );
    (m, k, n)
}
