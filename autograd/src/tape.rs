//! The tape: an arena of nodes in creation order, and the reverse pass.

use crate::op::Op;
use crate::pool::Pool;
use crate::precision::{output_is_half, round_to_half, Precision};
use crate::tensor::Tensor;

/// A handle to a node on a [`Tape`]. Cheap to copy; only meaningful on the
/// tape that made it, until that tape is cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Var(pub(crate) u32);

impl Var {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

pub(crate) struct Node {
    pub(crate) op: Op,
    pub(crate) inputs: Vec<Var>,
    pub(crate) value: Tensor,
    /// Whether a gradient must flow to this node: true for parameters and
    /// for anything computed from one. The backward pass skips the others.
    pub(crate) tracked: bool,
    /// Whether the value (and so the gradient) is IEEE half, stored in an
    /// `f32`: only under [`Precision::F16Autocast`], by the rules of `precision`.
    pub(crate) half: bool,
    /// What the op's forward saved for its backward: under autocast a
    /// matmul's `f32` operands rounded to half; layer norm's `1/σ` per row.
    pub(crate) saved: [Option<Tensor>; 2],
}

/// Records every operation of one forward pass so that [`Tape::backward`]
/// can replay them in reverse. Nodes are pushed in creation order, which is
/// already a topological order, so the backward pass is one reverse loop.
#[derive(Default)]
pub struct Tape {
    pub(crate) nodes: Vec<Node>,
    /// `grads[i]` is d(loss)/d(node i), once the reverse pass reached it.
    grads: Vec<Option<Tensor>>,
    /// Spare buffers: values and gradients come from it and go back on `clear`.
    pub(crate) pool: Pool,
    pub(crate) matmul_flops: u64,
    /// The precision new nodes are recorded in.
    precision: Precision,
}

/// One line per node (see [`Tape::describe`]).
impl std::fmt::Debug for Tape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (0..self.nodes.len()).try_for_each(|i| writeln!(f, "{}", self.describe(Var(i as u32))))
    }
}

impl Tape {
    pub fn new() -> Tape {
        Tape::default()
    }

    /// Forgets every node and gradient, keeping their buffers for reuse.
    pub fn clear(&mut self) {
        let values = self.nodes.drain(..).flat_map(|node| {
            let [a, b] = node.saved;
            [Some(node.value), a, b].into_iter().flatten()
        });
        let grads = self.grads.drain(..).flatten();
        self.pool.give_all(values.chain(grads));
    }

    /// Floating-point operations done in matrix products on this tape so
    /// far, forward and backward: `2·m·k·n` for each `(m, k) @ (k, n)`.
    /// Not reset by [`clear`](Self::clear); benchmarks divide it by time.
    pub fn matmul_flops(&self) -> u64 {
        self.matmul_flops
    }

    /// Records the ops that follow in `precision` (like entering or leaving
    /// an autocast region); nodes already recorded keep theirs. Survives
    /// [`clear`](Self::clear).
    pub fn set_precision(&mut self, precision: Precision) {
        self.precision = precision;
    }

    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Whether node `v` is half precision (its value and its gradient).
    pub fn is_half(&self, v: Var) -> bool {
        self.nodes[v.index()].half
    }

    /// Node `v`'s line of the printed tape: `%i = op(%inputs)  (rows, cols)`,
    /// then `tracked` if a gradient flows to it and `half` if it is half precision.
    pub fn describe(&self, v: Var) -> String {
        let node = &self.nodes[v.index()];
        let inputs: Vec<String> = node.inputs.iter().map(|v| format!("%{}", v.0)).collect();
        let (rows, cols) = self.value(v).shape();
        let (id, op, inputs) = (v.0, &node.op, inputs.join(", "));
        let tracked = if node.tracked { "  tracked" } else { "" };
        let half = if node.half { "  half" } else { "" };
        format!("%{id} = {op:?}({inputs})  ({rows}, {cols}){tracked}{half}")
    }

    /// The first node, in creation order, whose value holds a NaN or an
    /// infinity: where a forward pass turned non-finite.
    pub fn first_non_finite(&self) -> Option<Var> {
        (0..self.nodes.len() as u32)
            .map(Var)
            .find(|&v| self.value(v).data().iter().any(|x| !x.is_finite()))
    }

    /// Appends a node; under autocast, decides its precision and rounds its value.
    pub(crate) fn push(&mut self, op: Op, inputs: Vec<Var>, mut value: Tensor, tracked: bool) -> Var {
        let id = u32::try_from(self.nodes.len()).expect("tape: more than u32::MAX nodes");
        let half =
            !self.precision.is_f32() && output_is_half(self.precision, &op, |k| self.is_half(inputs[k]));
        if half {
            round_to_half(value.data_mut());
        }
        let node = Node {
            op,
            inputs,
            value,
            tracked,
            half,
            saved: [None, None],
        };
        self.nodes.push(node);
        Var(id)
    }

    pub(crate) fn tracked(&self, v: Var) -> bool {
        self.nodes[v.index()].tracked
    }

    fn leaf(&mut self, rows: usize, cols: usize, data: &[f32], tracked: bool) -> Var {
        let mut value = self.pool.take(rows, cols);
        value.data_mut().copy_from_slice(data);
        self.push(Op::Leaf, Vec::new(), value, tracked)
    }

    /// Data that needs no gradient (a copy of `t`).
    pub fn constant(&mut self, t: &Tensor) -> Var {
        self.leaf(t.rows(), t.cols(), t.data(), false)
    }

    /// Data given as a row-major slice, e.g. a batch of images. No gradient.
    pub fn input(&mut self, rows: usize, cols: usize, data: &[f32]) -> Var {
        let n = data.len();
        assert_eq!(n, rows * cols, "input: {n} values do not fill ({rows}, {cols})");
        self.leaf(rows, cols, data, false)
    }

    /// A trainable value (a copy of `t`): it receives a gradient.
    pub fn param(&mut self, t: &Tensor) -> Var {
        self.leaf(t.rows(), t.cols(), t.data(), true)
    }

    /// A trainable value moved onto the tape without a copy. A training
    /// loop moves each parameter in before the forward pass and gets it
    /// back with [`take`](Self::take) after the backward pass.
    pub fn param_owned(&mut self, t: Tensor) -> Var {
        self.push(Op::Leaf, Vec::new(), t, true)
    }

    /// Data moved onto the tape without a copy (no gradient).
    pub fn constant_owned(&mut self, t: Tensor) -> Var {
        self.push(Op::Leaf, Vec::new(), t, false)
    }

    /// Moves the value of the leaf `v` out of the tape, leaving an empty
    /// tensor. Its gradient stays readable; reading its value or running
    /// another backward pass through it is a bug until the tape is cleared.
    pub fn take(&mut self, v: Var) -> Tensor {
        let node = &mut self.nodes[v.index()];
        assert!(matches!(node.op, Op::Leaf), "take: node {} is not a leaf", v.0);
        std::mem::take(&mut node.value)
    }

    /// The same value with the gradient stopped: nothing flows back through
    /// it. No copy: the node reads its source's value (see [`Tape::value`]).
    pub fn detach(&mut self, a: Var) -> Var {
        let node = &self.nodes[a.index()];
        let detached = matches!(node.op, Op::Detach);
        let source = if detached { node.inputs[0] } else { a }; // stop(stop(a)) = stop(a)
        self.push(Op::Detach, vec![source], Tensor::default(), false)
    }

    /// The value of `v`. A `detach` node shares its source's value.
    pub fn value(&self, v: Var) -> &Tensor {
        let node = &self.nodes[v.index()];
        match node.op {
            Op::Detach => &self.nodes[node.inputs[0].index()].value,
            _ => &node.value,
        }
    }

    /// d(loss)/d(v) after [`backward`](Self::backward); `None` when `v` is
    /// untracked or the loss does not depend on it.
    pub fn grad(&self, v: Var) -> Option<&Tensor> {
        self.grads.get(v.index()).and_then(Option::as_ref)
    }

    /// Reverse pass from the scalar `loss`: every tracked node it depends on
    /// gets its gradient. Calling it again recomputes from scratch.
    pub fn backward(&mut self, loss: Var) {
        self.backward_with(loss, &mut |_, _, _| {});
    }

    /// [`backward`](Self::backward), handing each tracked leaf (a parameter)
    /// to `on_leaf(leaf, value, grad)` as soon as its gradient is complete:
    /// every node that reads it came after it and has sent its error. An
    /// optimizer can update the value there, while the gradient is still in
    /// cache; nothing reads the value afterwards.
    pub fn backward_with(&mut self, loss: Var, on_leaf: &mut dyn FnMut(Var, &mut Tensor, &Tensor)) {
        let shape = self.value(loss).shape();
        assert_eq!(shape, (1, 1), "backward: loss must be (1, 1), got {shape:?}");
        self.pool.give_all(self.grads.drain(..).flatten());
        self.grads.resize_with(self.nodes.len(), || None);
        if !self.tracked(loss) {
            return;
        }
        let mut seed = self.pool.take(1, 1);
        seed.data_mut()[0] = 1.0; // ∂loss/∂loss
        self.grads[loss.index()] = Some(seed);
        for i in (0..=loss.index()).rev() {
            let node = &self.nodes[i];
            if let (true, Some(g)) = (node.tracked, &mut self.grads[i]) {
                if node.half {
                    round_to_half(g.data_mut()); // complete now: a half tensor's gradient is half
                }
                self.backward_node(i); // the op's backward rule (`record.rs`)
            }
            let leaf = matches!(self.nodes[i].op, Op::Leaf);
            if let (true, Some(g)) = (leaf, &self.grads[i]) {
                on_leaf(Var(i as u32), &mut self.nodes[i].value, g);
            }
        }
    }

    /// The one door through which gradients enter: adds a contribution to the
    /// gradient of `v`, if `v` needs one. `add(tape, grad, fresh)` must write
    /// every entry of `grad` when `fresh` (the first contribution: the buffer
    /// is stale, never zeroed, which saves a pass) and add into it otherwise.
    pub(crate) fn accumulate(&mut self, v: Var, add: impl FnOnce(&Tape, &mut Tensor, bool)) {
        if !self.tracked(v) {
            return;
        }
        let (mut grad, fresh) = match self.grads[v.index()].take() {
            Some(g) => (g, false),
            None => {
                let (rows, cols) = self.value(v).shape();
                (self.pool.take(rows, cols), true)
            }
        };
        add(self, &mut grad, fresh);
        self.grads[v.index()] = Some(grad);
    }

    /// The incoming error of node `out` during its backward rule.
    pub(crate) fn grad_out(&self, out: Var) -> &Tensor {
        let msg = "backward rules run only for nodes that received a gradient";
        self.grads[out.index()].as_ref().expect(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_recycles_buffers_so_a_repeated_step_does_not_grow_the_pool() {
        let mut tape = Tape::new();
        let w = Tensor::filled(3, 4, 0.5);
        let step = |tape: &mut Tape| {
            tape.clear();
            let x = tape.input(2, 4, &[1.0; 8]);
            let w = tape.param(&w);
            let y = tape.matmul_nt(x, w);
            let loss = tape.sum(y);
            tape.backward(loss);
        };
        step(&mut tape);
        step(&mut tape);
        tape.clear();
        let pooled = tape.pool.size();
        step(&mut tape);
        tape.clear();
        assert_eq!(tape.pool.size(), pooled);
    }

    #[test]
    fn a_parameter_moved_in_gets_the_gradient_of_a_copied_one_and_comes_back_intact() {
        let w = Tensor::from_vec(2, 2, vec![1.0, -2.0, 3.0, 0.5]);
        let x = Tensor::from_vec(3, 2, vec![0.1, 0.2, -0.3, 0.4, 0.5, -0.6]);
        let run = |tape: &mut Tape, moved: bool| {
            tape.clear();
            let xv = tape.constant(&x);
            let wv = if moved {
                tape.param_owned(w.clone())
            } else {
                tape.param(&w)
            };
            let y = tape.matmul_nt(xv, wv);
            let y = tape.square(y);
            let loss = tape.sum(y);
            tape.backward(loss);
            let grad = tape.grad(wv).cloned();
            let back = moved.then(|| tape.take(wv));
            (grad, back)
        };
        let mut tape = Tape::new();
        let (copied, _) = run(&mut tape, false);
        let (moved, back) = run(&mut tape, true);
        assert_eq!(copied, moved);
        assert_eq!(back.as_ref(), Some(&w));
    }

    #[test]
    fn detach_shares_its_source_value_without_a_buffer() {
        let mut tape = Tape::new();
        let w = tape.param(&Tensor::from_vec(1, 3, vec![1.0, 2.0, 3.0]));
        let d = tape.detach(w);
        let dd = tape.detach(d);
        assert_eq!(tape.value(d), tape.value(w));
        assert_eq!(tape.value(dd), tape.value(w));
        assert_eq!(tape.nodes[d.index()].value.data().len(), 0);
        assert!(!tape.tracked(d) && !tape.tracked(dd));
    }

    #[test]
    fn first_non_finite_names_where_a_forward_pass_overflowed() {
        let mut tape = Tape::new();
        tape.set_precision(Precision::F16Autocast);
        let x = tape.input(1, 2, &[300.0, 300.0]);
        let w = tape.param(&Tensor::filled(1, 2, 0.5));
        let fine = tape.matmul_nt(x, w); // 300
        let big = tape.param(&Tensor::filled(1, 2, 200.0));
        let over = tape.matmul_nt(x, big); // 120 000: ∞ in half
        let zero = tape.scale(fine, 0.0);
        let nan = tape.mul(over, zero); // ∞ · 0
        assert_eq!(tape.first_non_finite(), Some(over));
        assert!(tape.value(nan).data()[0].is_nan());
        assert_eq!(
            tape.describe(over),
            "%4 = matmul_nt(%0, %3)  (1, 1)  tracked  half"
        );
    }

    #[test]
    fn backward_with_hands_each_parameter_its_complete_gradient_once() {
        let mut tape = Tape::new();
        let x = tape.input(1, 2, &[1.0, 2.0]);
        let w = tape.param(&Tensor::from_vec(1, 2, vec![3.0, 4.0]));
        let unused = tape.param(&Tensor::filled(1, 1, 5.0));
        let y = tape.mul(x, w);
        let y = tape.mul(y, w); // w read twice: ∂Σ(x·w²)/∂w = 2·x·w
        let loss = tape.sum(y);
        let mut seen = Vec::new();
        tape.backward_with(loss, &mut |leaf, value, grad| {
            seen.push((leaf, grad.clone()));
            value.data_mut()[0] = 0.0; // an update: nothing reads the value afterwards
        });
        assert_eq!(seen.len(), 1, "only the parameter the loss depends on");
        assert_eq!(seen[0].0, w);
        assert_eq!(seen[0].1.data(), &[6.0, 16.0]);
        assert_eq!(tape.grad(w), Some(&seen[0].1));
        assert_eq!(tape.value(w).data(), &[0.0, 4.0]);
        assert!(tape.grad(unused).is_none());
    }

    #[test]
    fn untracked_inputs_get_no_gradient() {
        let mut tape = Tape::new();
        let x = tape.input(1, 2, &[1.0, 2.0]);
        let w = tape.param(&Tensor::from_vec(1, 2, vec![3.0, 4.0]));
        let y = tape.mul(x, w);
        let loss = tape.sum(y);
        tape.backward(loss);
        assert!(tape.grad(x).is_none());
        assert_eq!(tape.grad(w).map(Tensor::data), Some(&[1.0, 2.0][..]));
    }

    #[test]
    fn detach_passes_the_value_and_stops_the_gradient() {
        let mut tape = crate::Tape::new();
        let w = tape.param(&crate::check::seeded(2, 3, 6));
        let d = tape.detach(w);
        let y = tape.mul(d, w);
        let loss = tape.sum(y);
        tape.backward(loss);
        assert_eq!(tape.value(d), tape.value(w));
        // Only the direct path counts: ∂Σ(stop(w)·w)/∂w = w, not 2w.
        assert_eq!(tape.grad(w), Some(tape.value(w)));
        assert!(tape.grad(d).is_none());
    }
}
