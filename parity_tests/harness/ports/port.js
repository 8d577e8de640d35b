// A JavaScript port of loss_and_grads, checked through golden files (docs/CHECK.md):
//   twin-nn golden --case deep-tanh --steps 3 --out gold
//   node port.js gold answers [bug]
//   twin-nn check --golden gold --answers answers
// It reads every step-NNN.json of gold, computes the loss and the gradients from "inputs" and
// "config", and writes answers/step-NNN.json = {"loss": ..., "grads": {...}}.
// An optional third argument plants a mistake ("no-mean": a sum instead of the mean).
const fs = require("fs"), path = require("path");
const [gold, out, bug] = process.argv.slice(2);
const sig = z => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
const ACT = {
  sigmoid: [sig, z => sig(z) * (1 - sig(z))],
  tanh: [Math.tanh, z => 1 - Math.tanh(z) ** 2],
  relu: [z => Math.max(z, 0), z => (z > 0 ? 1 : 0)],
  swish: [z => z * sig(z), z => sig(z) * (1 + z * (1 - sig(z)))],
  linear: [z => z, z => 1],
};
const matmul = (A, B) => A.map(r => B[0].map((_, j) => r.reduce((s, a, i) => s + a * B[i][j], 0)));
const T = A => A[0].map((_, j) => A.map(r => r[j]));
const softplus = z => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

function lossAndGrads(P, X, Y, c) {
  const L = c.sizes.length - 1, [f, fp] = ACT[c.hidden], m = X.length;
  const A = [X], Z = [null];
  for (let k = 1; k <= L; k++) {
    const z = matmul(A[k - 1], P["W" + k]).map(r => r.map((v, j) => v + P["b" + k][j]));
    Z.push(z);
    A.push(k < L ? z.map(r => r.map(f)) : null);
  }
  const ZL = Z[L];
  let loss = 0, dZ;
  if (c.loss === "cross_entropy") {
    dZ = ZL.map((r, i) => {
      const top = Math.max(...r), s = r.reduce((a, z) => a + Math.exp(z - top), 0);
      loss += top + Math.log(s) - r[Y[i]];
      return r.map((z, j) => (Math.exp(z - top) / s - (j === Y[i] ? 1 : 0)) / m);
    });
    loss /= m;
  } else {
    const N = bug === "no-mean" ? 1 : m * ZL[0].length;
    dZ = ZL.map((r, i) => r.map((z, j) => {
      const y = Y[i][j];
      if (c.loss === "bce") { loss += y * softplus(-z) + (1 - y) * softplus(z); return (sig(z) - y) / N; }
      const p = c.output === "sigmoid" ? sig(z) : z;
      loss += (p - y) ** 2;
      return (2 * (p - y) / N) * (c.output === "sigmoid" ? p * (1 - p) : 1);
    }));
    loss /= N;
  }
  const grads = {};
  for (let k = 1; k <= L; k++) {
    loss += (c.l2 / 2) * P["W" + k].flat().reduce((s, w) => s + w * w, 0);
    loss += (c.l2_bias / 2) * P["b" + k].reduce((s, b) => s + b * b, 0);
  }
  for (let k = L; k >= 1; k--) {
    grads["W" + k] = matmul(T(A[k - 1]), dZ).map((r, i) => r.map((g, j) => g + c.l2 * P["W" + k][i][j]));
    grads["b" + k] = T(dZ).map((col, j) => col.reduce((s, v) => s + v, 0) + c.l2_bias * P["b" + k][j]);
    if (k > 1) dZ = matmul(dZ, T(P["W" + k])).map((r, i) => r.map((v, j) => v * fp(Z[k - 1][i][j])));
  }
  return [loss, grads];
}

fs.mkdirSync(out, { recursive: true });
for (const name of fs.readdirSync(gold).filter(n => /^step-\d+\.json$/.test(n)).sort()) {
  const doc = JSON.parse(fs.readFileSync(path.join(gold, name), "utf8"));
  const [loss, grads] = lossAndGrads(doc.inputs.params, doc.inputs.X, doc.inputs.Y, doc.config);
  fs.writeFileSync(path.join(out, name), JSON.stringify({ loss, grads }));
}
