//! Matrix products `C ← α·op(A)·op(B) + β·C` on row-major `f32` slices,
//! where `op` transposes by strides, never by a copy. This crate holds the
//! workspace's only `unsafe` code, so that `autograd` can forbid it.
//!
//! `matrixmultiply::sgemm` computes every product except those of a batch
//! through a weight: the forward `x·W` and the error sent back, `g·Wᵀ`.
//! sgemm first copies ("packs") the weight into its own layout, and with
//! a training batch's 32 rows to use each copied entry, the copy costs
//! nearly as much as the product (for `Wᵀ`, read across the rows of `W`,
//! more). `batch` reads `W` in place, [`BATCH_ROWS`] rows of the batch at a
//! time; an evaluation pass of 500 rows skips the copy too.
//!
//! Both compute each entry the same way, so their results are bit for bit
//! the same: a chain of fused multiply-adds over `k` in ascending order,
//! restarted from zero at every multiple of 256 (sgemm's `kc` block), each
//! block's sum added to `C` (or written, for the first block when
//! `beta = 0`). `batch` runs only where sgemm uses such a kernel (x86-64
//! with FMA); a test compares the two.
//!
//! [`vectorized`] (`wide.rs`) lends the same vector extensions to other
//! crates' loops, such as the optimizer's update.

mod wide;

pub use wide::vectorized;

/// `batch` takes this many rows of a product at a time (a training batch is 32).
pub const BATCH_ROWS: usize = 64;

/// Shallower products spend their time storing sums, which sgemm does faster.
const MIN_DEPTH: usize = 64;

/// matrixmultiply's `kc`: its sums restart every this many `k`.
const KC: usize = 256;

/// A row-major `rows × cols` matrix, read as its transpose when `trans`.
#[derive(Clone, Copy, Debug)]
pub struct Matrix<'a> {
    pub data: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    pub trans: bool,
}

impl Matrix<'_> {
    /// The shape of `op(self)` and where its entries live.
    fn view(&self) -> (usize, usize, View) {
        assert_eq!(
            self.data.len(),
            self.rows * self.cols,
            "gemm: a matrix's data does not fill its shape"
        );
        let stored = View {
            row: self.cols,
            col: 1,
        };
        match self.trans {
            false => (self.rows, self.cols, stored),
            true => (self.cols, self.rows, stored.transposed()),
        }
    }
}

/// `c ← alpha·op(a)·op(b) + beta·c`, `c` row-major `m × n`. With
/// `beta = 0` the old contents of `c` are ignored (not even read).
/// Panics if the shapes disagree.
pub fn gemm(alpha: f32, a: Matrix, b: Matrix, beta: f32, c: &mut [f32]) {
    let add = beta == 1.0;
    if let Some(kernel) = Kernel::supported().next() {
        if alpha == 1.0 && (beta == 0.0 || add) && in_batches(kernel, a, b, &mut *c, add) {
            return;
        }
    }
    sgemm(alpha, a, b, beta, c);
}

/// [`gemm`] by `matrixmultiply::sgemm` alone, for every shape: the
/// reference that `batch` is tested and benchmarked against.
pub fn sgemm(alpha: f32, a: Matrix, b: Matrix, beta: f32, c: &mut [f32]) {
    let (m, k, n, a_view, b_view) = dims(a, b, c);
    if m == 0 || n == 0 {
        return;
    }
    let s = |x: usize| x as isize;
    #[allow(unsafe_code)]
    // SAFETY: `Matrix::view` checked that each operand's data fills its
    // shape and gives strides that address exactly those elements; `dims`
    // checked that the shapes agree and that `c` holds `m×n` elements with
    // row stride `n`. `c` is borrowed mutably, so it cannot alias `a` or `b`.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            s(a_view.row),
            s(a_view.col),
            b.data.as_ptr(),
            s(b_view.row),
            s(b_view.col),
            beta,
            c.as_mut_ptr(),
            s(n),
            1,
        );
    }
}

/// `(m, k, n)` and the operands' views of `c = op(a)·op(b)`; panics if
/// the shapes disagree.
fn dims(a: Matrix, b: Matrix, c: &[f32]) -> (usize, usize, usize, View, View) {
    let ((m, k, a_view), (kb, n, b_view)) = (a.view(), b.view());
    assert_eq!(k, kb, "gemm: op(a) is ({m}, {k}) but op(b) is ({kb}, {n})");
    assert_eq!(
        c.len(),
        m * n,
        "gemm: op(a)·op(b) is ({m}, {n}), c does not hold that"
    );
    (m, k, n, a_view, b_view)
}

/// Where entry `(i, j)` of a matrix lives in its slice: `i·row + j·col`.
#[derive(Clone, Copy, Debug)]
struct View {
    row: usize,
    col: usize,
}

impl View {
    fn at(self, i: usize, j: usize) -> usize {
        i * self.row + j * self.col
    }

    fn transposed(self) -> View {
        View {
            row: self.col,
            col: self.row,
        }
    }
}

/// `c (+)= a·op(b)` through [`batch`], [`BATCH_ROWS`] rows of a row-major
/// `a` at a time; false (nothing done) where `batch` declines, which it
/// does by depth and layout alone, so for every block or none.
fn in_batches(kernel: Kernel, a: Matrix, b: Matrix, c: &mut [f32], add: bool) -> bool {
    let (_, k, n, _, _) = dims(a, b, c);
    if a.trans || a.rows <= BATCH_ROWS || k == 0 || n == 0 {
        return batch(kernel, Product::new(a, b, c, add));
    }
    let blocks = a.data.chunks(BATCH_ROWS * k).zip(c.chunks_mut(BATCH_ROWS * n));
    for (i, (rows, out)) in blocks.enumerate() {
        let block = Matrix {
            data: rows,
            rows: rows.len() / k,
            ..a
        };
        if !batch(kernel, Product::new(block, b, out, add)) {
            assert_eq!(i, 0, "gemm: batch declined a later block of rows");
            return false;
        }
    }
    true
}

/// `p` for a batch of `1..=BATCH_ROWS` rows, at least `MIN_DEPTH` deep,
/// without packing the large operand: `x·W` directly, and `g·Wᵀ` as
/// `(W·gᵀ)ᵀ`, with the small `gᵀ` copied so that its rows are contiguous.
/// False (nothing done) for other products: the weight gradient `xᵀ·g`
/// runs as fast in sgemm.
fn batch(kernel: Kernel, p: Product) -> bool {
    if p.rows == 0 || p.cols == 0 || p.rows > BATCH_ROWS || p.k < MIN_DEPTH {
        return false;
    }
    if p.right.1.col == 1 {
        return kernel.run(p);
    }
    if p.right.1.row != 1 {
        return false;
    }
    let (a, m) = (p.left, p.rows);
    let mut at = vec![0.0; p.k * m];
    for (k, row) in at.chunks_exact_mut(m).enumerate() {
        for (i, v) in row.iter_mut().enumerate() {
            *v = a.0[a.1.at(i, k)];
        }
    }
    let (out, view) = p.out;
    kernel.run(Product {
        rows: p.cols,
        cols: m,
        k: p.k,
        left: (p.right.0, p.right.1.transposed()),
        right: (&at, View { row: m, col: 1 }),
        out: (out, view.transposed()),
        add: p.add,
    })
}

/// `out (+)= left·right` (`add`) or `out = left·right`: `left` is
/// `rows × k`, `right` is `k × cols`, `out` is `rows × cols`, each read
/// through its view. The kernel needs the rows of `right` contiguous
/// (`batch` sees to it).
struct Product<'a> {
    rows: usize,
    cols: usize,
    k: usize,
    left: (&'a [f32], View),
    right: (&'a [f32], View),
    out: (&'a mut [f32], View),
    add: bool,
}

impl<'a> Product<'a> {
    /// `c = op(a)·op(b)`, or `c += op(a)·op(b)` when `add`; panics if the shapes disagree.
    fn new(a: Matrix<'a>, b: Matrix<'a>, c: &'a mut [f32], add: bool) -> Product<'a> {
        let (m, k, n, a_view, b_view) = dims(a, b, c);
        Product {
            rows: m,
            cols: n,
            k,
            left: (a.data, a_view),
            right: (b.data, b_view),
            out: (c, View { row: n, col: 1 }),
            add,
        }
    }
}

/// A build of [`Product::tiles`] for one x86-64 vector extension with FMA.
#[derive(Clone, Copy, Debug)]
enum Kernel {
    Avx512,
    Avx2,
}

impl Kernel {
    /// The kernels this CPU can run, widest first: none off x86-64 or
    /// without FMA, where sgemm does not sum by fused multiply-adds either.
    fn supported() -> impl Iterator<Item = Kernel> {
        [Kernel::Avx512, Kernel::Avx2]
            .into_iter()
            .filter(|k| k.is_supported())
    }

    fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        return match self {
            Kernel::Avx512 => is_x86_feature_detected!("avx512f"),
            Kernel::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
        };
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// Runs `p`; true (for [`batch`]'s callers).
    #[allow(unsafe_code)]
    fn run(self, p: Product) -> bool {
        assert!(self.is_supported(), "the {self:?} kernel on a CPU without it");
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the CPU has the features the kernel is built for, checked just above.
        unsafe {
            match self {
                Kernel::Avx512 => run_avx512(p),
                Kernel::Avx2 => run_avx2(p),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        drop(p);
        true
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn run_avx512(p: Product) {
    p.tiles::<8, 32>(); // 16 registers of 16 sums
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2(p: Product) {
    p.tiles::<4, 16>(); // 8 registers of 8 sums
}

impl Product<'_> {
    /// Cuts `out` into tiles of `R` rows and `W` columns. A tile's sums stay
    /// in registers through a `kc` block; a block of `right` (256 × W) is
    /// read by every row tile while it is in the L1 cache.
    #[inline(always)]
    fn tiles<const R: usize, const W: usize>(mut self) {
        let mut padded = Vec::new();
        for j0 in (0..self.cols).step_by(W) {
            let width = W.min(self.cols - j0);
            // The last, narrower column tile reads a zero-padded copy.
            let (right, stride, offset) = if width == W {
                (self.right.0, self.right.1.row, j0)
            } else {
                padded.clear();
                padded.resize(self.k * W, 0.0);
                for p in 0..self.k {
                    let row = &self.right.0[self.right.1.at(p, j0)..][..width];
                    padded[p * W..][..width].copy_from_slice(row);
                }
                (&padded[..], W, 0)
            };
            for k0 in (0..self.k).step_by(KC) {
                let ks = k0..(k0 + KC).min(self.k);
                let add = self.add || k0 > 0;
                let mut i0 = 0;
                while i0 + R <= self.rows {
                    let sums = tile::<R, W>(self.left, i0, ks.clone(), right, stride, offset);
                    self.store(&sums, i0, j0, width, add);
                    i0 += R;
                }
                for i in i0..self.rows {
                    let sums = tile::<1, W>(self.left, i, ks.clone(), right, stride, offset);
                    self.store(&sums, i, j0, width, add);
                }
            }
        }
    }

    #[inline(always)]
    fn store<const R: usize, const W: usize>(
        &mut self,
        sums: &[[f32; W]; R],
        i0: usize,
        j0: usize,
        width: usize,
        add: bool,
    ) {
        let (out, view) = (&mut *self.out.0, self.out.1);
        for (r, row) in sums.iter().enumerate() {
            let sums = &row[..width];
            if view.col == 1 {
                // A contiguous run of `out` (the usual case): a vector loop.
                let out = &mut out[view.at(i0 + r, j0)..][..width];
                if add {
                    out.iter_mut().zip(sums).for_each(|(o, &s)| *o += s);
                } else {
                    out.copy_from_slice(sums);
                }
            } else {
                for (j, &s) in sums.iter().enumerate() {
                    let o = &mut out[view.at(i0 + r, j0 + j)];
                    *o = if add { *o + s } else { s };
                }
            }
        }
    }
}

/// The sums of rows `i0..i0 + R` of `left` times columns
/// `offset..offset + W` of `right` over `ks`: one fused multiply-add chain
/// per entry, `k` ascending, from zero.
#[inline(always)]
#[allow(unsafe_code)]
fn tile<const R: usize, const W: usize>(
    left: (&[f32], View),
    i0: usize,
    ks: std::ops::Range<usize>,
    right: &[f32],
    stride: usize,
    offset: usize,
) -> [[f32; W]; R] {
    let (data, view) = left;
    let last = ks.end - 1;
    // Strides are non-negative, so these are the largest indices read.
    assert!(view.at(i0 + R - 1, last) < data.len() && last * stride + offset + W <= right.len());
    let mut sums = [[0.0f32; W]; R];
    for p in ks {
        // SAFETY: `p ≤ last` and `r < R`, so both reads are within the bounds asserted above.
        let b: [f32; W] = unsafe { *right.as_ptr().add(p * stride + offset).cast::<[f32; W]>() };
        for (r, sums) in sums.iter_mut().enumerate() {
            // SAFETY: as above.
            let a = unsafe { *data.get_unchecked(view.at(i0 + r, p)) };
            for (s, &b) in sums.iter_mut().zip(&b) {
                *s = a.mul_add(b, *s);
            }
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use rand::{rngs::StdRng, Rng, SeedableRng};

    use super::*;

    /// A seeded `rows × cols` row-major matrix of values in `[−1, 1)`.
    fn seeded(rows: usize, cols: usize, seed: u64) -> (Vec<f32>, usize, usize) {
        let mut rng = StdRng::seed_from_u64(seed);
        (
            (0..rows * cols).map(|_| rng.gen_range(-1.0..1.0)).collect(),
            rows,
            cols,
        )
    }

    fn matrix(m: &(Vec<f32>, usize, usize), trans: bool) -> Matrix<'_> {
        Matrix {
            data: &m.0,
            rows: m.1,
            cols: m.2,
            trans,
        }
    }

    /// `a·op(b)` through `kernel`, or false if `batch` leaves the product to sgemm.
    fn with(kernel: Kernel, a: Matrix, b: Matrix, beta: f32, c: &mut [f32]) -> bool {
        in_batches(kernel, a, b, c, beta == 1.0)
    }

    #[test]
    fn batch_products_equal_sgemm_bit_for_bit() {
        // (batch, in, out): depths across the 256 block, ragged last tiles,
        // and taller products in blocks of rows (an evaluation pass).
        let shapes = [
            (32, 300, 178),
            (32, 500, 500),
            (7, 257, 65),
            (64, 64, 100),
            (1, 600, 70),
            (13, 512, 300),
            (65, 80, 70),
            (500, 300, 178),
        ];
        for kernel in Kernel::supported() {
            for (i, &(m, d_in, d_out)) in shapes.iter().enumerate() {
                let seed = 10 * i as u64;
                let w = seeded(d_in, d_out, seed); // stored (in, out), as einet's layers store it
                let (x, g) = (seeded(m, d_in, seed + 1), seeded(m, d_out, seed + 2));
                // x·W, then g·Wᵀ, each written and added.
                for (a, trans_b, start) in [
                    (&x, false, seeded(m, d_out, seed + 3)),
                    (&g, true, seeded(m, d_in, seed + 4)),
                ] {
                    for beta in [0.0, 1.0] {
                        let (mut ours, mut theirs) = (start.0.clone(), start.0.clone());
                        assert!(with(
                            kernel,
                            matrix(a, false),
                            matrix(&w, trans_b),
                            beta,
                            &mut ours
                        ));
                        sgemm(1.0, matrix(a, false), matrix(&w, trans_b), beta, &mut theirs);
                        let case = format!(
                            "{kernel:?}, (batch, in, out) {:?}, Wᵀ {trans_b}, beta {beta}",
                            (m, d_in, d_out)
                        );
                        assert!(
                            ours.iter().zip(&theirs).all(|(o, t)| o.to_bits() == t.to_bits()),
                            "{case}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn products_match_an_f64_product_with_either_operand_transposed() {
        let (a, b) = (seeded(40, 70, 1), seeded(70, 90, 2));
        let exact = |i: usize, j: usize| {
            (0..70)
                .map(|p| f64::from(a.0[i * 70 + p]) * f64::from(b.0[p * 90 + j]))
                .sum::<f64>()
        };
        // Aᵀ and Bᵀ stored, read back transposed by strides.
        let transpose = |m: &(Vec<f32>, usize, usize)| {
            let t = (0..m.1 * m.2).map(|x| m.0[(x % m.1) * m.2 + x / m.1]).collect();
            (t, m.2, m.1)
        };
        let (at, bt) = (transpose(&a), transpose(&b));
        for (left, right) in [
            (matrix(&a, false), matrix(&b, false)),
            (matrix(&at, true), matrix(&bt, true)),
        ] {
            for product in [gemm as fn(f32, Matrix, Matrix, f32, &mut [f32]), sgemm] {
                let mut c = vec![f32::NAN; 40 * 90]; // beta = 0 never reads c
                product(1.0, left, right, 0.0, &mut c);
                for (x, &v) in c.iter().enumerate() {
                    assert!((f64::from(v) - exact(x / 90, x % 90)).abs() < 1e-4, "entry {x}");
                }
            }
        }
    }

    #[test]
    fn shallow_products_are_left_to_sgemm() {
        let cases = [
            ("g·Wᵀ, depth 10", (32, 10), (500, 10), true),
            ("x·W, depth 10", (32, 10), (10, 500), false),
            ("500 rows, depth 10", (500, 10), (10, 500), false),
        ];
        for kernel in Kernel::supported() {
            for (what, (ar, ac), (br, bc), trans_b) in cases {
                let (a, b) = (seeded(ar, ac, 1), seeded(br, bc, 2));
                let mut c = vec![0.0; ar * if trans_b { br } else { bc }];
                assert!(
                    !with(kernel, matrix(&a, false), matrix(&b, trans_b), 0.0, &mut c),
                    "{what}"
                );
            }
        }
    }

    #[test]
    fn batch_products_propagate_non_finite_values() {
        let (mut g, w) = (seeded(4, 300, 1), seeded(20, 300, 2));
        g.0[5] = f32::INFINITY;
        let mut c = vec![0.0; 4 * 20];
        gemm(1.0, matrix(&g, false), matrix(&w, true), 0.0, &mut c);
        assert!(c[..20].iter().all(|v| !v.is_finite()));
        assert!(c[20..40].iter().all(|v| v.is_finite()));
    }

    #[test]
    #[should_panic(expected = "op(a) is (2, 3) but op(b) is (4, 5)")]
    fn disagreeing_shapes_panic_naming_both() {
        let (a, b) = (seeded(2, 3, 1), seeded(4, 5, 2));
        gemm(1.0, matrix(&a, false), matrix(&b, false), 0.0, &mut [0.0; 10]);
    }
}
