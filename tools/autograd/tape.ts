/**
 * Reverse-mode sweep (micrograd's `Value.backward`): sort the graph once (depth-first, post-order,
 * iterative so that long graphs cannot overflow the stack), seed ∂L/∂L = 1, then run every op's
 * closure from the root back to the leaves. Each closure adds into its parents' gradients, so a
 * tensor used twice receives the sum.
 *
 * The graph is released on the way (torch's retain_graph=False): once an op output has pushed its
 * gradient to its inputs it drops its closure, inputs and gradient, which frees the saved
 * activations; gradient buffers (and the data of outputs marked `disposable`) are recycled for the
 * next step. Leaves (parameters) keep their
 * gradients, and a second backward() through a new graph adds to them until zeroGrad().
 */
import type { Tensor } from './tensor.js';

export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next < node.parents.length) {
      top[1]++;
      const parent = node.parents[next];
      if (parent.requiresGrad && !visited.has(parent)) {
        visited.add(parent);
        stack.push([parent, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order; // parents before children
}

export function backward(root: Tensor): void {
  if (!root.requiresGrad) throw new Error('backward(): this tensor does not depend on any parameter');
  if (root.size !== 1) throw new RangeError(`backward() starts from a scalar loss; got shape [${root.shape}]`);
  const order = topologicalOrder(root);
  root.gradBuffer()[0] += 1;
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    if (node.backwardFn === null) continue; // a leaf: keep its gradient
    node.backwardFn();
    // Every consumer of this node ran before it, so nothing reads its gradient (or, if disposable,
    // its data) any more: free them now, which keeps the peak at about one layer's worth.
    node.backwardFn = null;
    node.parents = [];
    if (node.disposable) node.dispose();
    else node.zeroGrad();
  }
}
