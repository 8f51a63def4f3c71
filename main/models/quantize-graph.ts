// The two precision conversions of an ONNX graph, done in place on a decoded model (onnx-graph.ts reads
// and writes the file; quantize.ts converts an installed model's towers and checks the result).
//
// int8 (for CPUs) follows onnxruntime's own dynamic quantization (quantize_dynamic in
// onnxruntime/python/tools/quantization, operators/matmul.py): every MatMul whose second input is a
// constant weight matrix, and every Gemm with one, becomes com.microsoft DynamicQuantizeMatMul. Weights
// are stored as int8, symmetric, one scale per output column; activations are quantized to uint8 by
// onnxruntime at run time, per call. That is the form onnxruntime's quantizer itself ends in after its
// graph fusions, and MLAS runs it with VNNI / dot-product instructions where the CPU has them.
// Embedding tables read by Gather (the text tower's token embeddings: 40% of its size) are stored as
// int8 too, one scale per row, and turned back into float32 rows after the lookup; onnxruntime's
// quantizer does the same for Gather. Everything else (the patch convolution, layer norms, softmax)
// stays float32.
//
// fp16 (for GPUs) stores every float tensor as float16 and runs the graph in float16, with the graph's
// own inputs and outputs kept float32 through Casts at the boundary, so callers see no difference.
// Providers without a float16 kernel for an operator (the CPU provider, for most) get Casts inserted
// around it by onnxruntime when the session loads, so the model still runs there, only not faster.
import {
  FLOAT16_MAX,
  ONNX_TYPE,
  rawTensor,
  tensorDims,
  tensorFloats,
  toFloat16Bits,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
} from './onnx-graph.js';

export type Precision = 'int8' | 'fp16';

const MS_DOMAIN = 'com.microsoft';

export interface Int8Options {
  /**
   * Quantization levels on each side of zero (127 for int8). Only tests lower it, to make a conversion
   * that is bad on purpose and check that the agreement bound refuses it.
   */
  levels?: number;
}

export interface ConversionSummary {
  /** Weight matrices converted (int8) or float tensors converted (fp16). */
  converted: number;
  /** Weight matrices left in float32, with why (int8 only). */
  skipped: string[];
}

function graphOf(model: OnnxModel) {
  const graph = model.graph;
  if (!graph) throw new Error('the model has no graph');
  graph.node ??= [];
  graph.initializer ??= [];
  return graph;
}

/** How many times each value is read, subgraphs (If/Loop bodies) included. */
function readCounts(nodes: readonly OnnxNode[], counts = new Map<string, number>()): Map<string, number> {
  for (const n of nodes) {
    for (const i of n.input ?? []) counts.set(i, (counts.get(i) ?? 0) + 1);
    for (const a of n.attribute ?? []) {
      if (a.g) readCounts(a.g.node ?? [], counts);
      for (const g of a.graphs ?? []) readCounts(g.node ?? [], counts);
    }
  }
  return counts;
}

/**
 * The constant weight behind a node input: an initializer, or one reached through Identity nodes
 * (PyTorch's exporter shares tied weights that way).
 */
function constantBehind(
  name: string,
  initializers: Map<string, OnnxTensor>,
  producers: Map<string, OnnxNode>,
): OnnxTensor | undefined {
  for (let hops = 0; hops < 8; hops++) {
    const init = initializers.get(name);
    if (init) return init;
    const producer = producers.get(name);
    if (producer?.opType !== 'Identity' || (producer.domain ?? '') !== '') return undefined;
    name = producer.input![0]!;
  }
  return undefined;
}

function attrInt(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
}
function attrFloat(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? Number(a.f) : fallback;
}

/**
 * Symmetric per-column quantization of a [K, N] matrix (row-major): column n is scaled by its largest
 * magnitude, so each column uses the whole int8 range whatever the spread between columns.
 */
export function quantizeColumns(
  w: Float32Array,
  k: number,
  n: number,
  levels = 127,
): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(n);
  for (let r = 0; r < k; r++) {
    const row = r * n;
    for (let c = 0; c < n; c++) {
      const a = Math.abs(w[row + c]!);
      if (a > scales[c]!) scales[c] = a;
    }
  }
  for (let c = 0; c < n; c++) scales[c] = scales[c]! > 0 ? scales[c]! / levels : 1;
  const q = new Int8Array(k * n);
  for (let r = 0; r < k; r++) {
    const row = r * n;
    for (let c = 0; c < n; c++) {
      const v = Math.round(w[row + c]! / scales[c]!);
      q[row + c] = v > levels ? levels : v < -levels ? -levels : v;
    }
  }
  return { q, scales };
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

function ensureOpset(model: OnnxModel, domain: string, version: number): void {
  model.opsetImport ??= [];
  if (!model.opsetImport.some((o) => (o.domain ?? '') === domain))
    model.opsetImport.push({ domain, version });
}

/** Rewrites MatMul/Gemm nodes with constant weights as DynamicQuantizeMatMul (see the file's comment). */
export function quantizeInt8(model: OnnxModel, options: Int8Options = {}): ConversionSummary {
  const graph = graphOf(model);
  const levels = options.levels ?? 127;
  const initializers = new Map(graph.initializer!.map((t) => [t.name!, t]));
  const producers = new Map<string, OnnxNode>();
  for (const n of graph.node!) for (const o of n.output ?? []) producers.set(o, n);
  const added: OnnxTensor[] = [];
  const skipped: string[] = [];
  let converted = 0;

  graph.node = graph.node!.map((node) => {
    const isMatMul = node.opType === 'MatMul' && (node.domain ?? '') === '';
    const isGemm = node.opType === 'Gemm' && (node.domain ?? '') === '';
    if (!isMatMul && !isGemm) return node;
    const weight = constantBehind(node.input![1]!, initializers, producers);
    if (!weight) return node; // activations times activations (attention): stays float
    const label = `${node.opType} ${node.name || node.output![0]}`;
    const dims = tensorDims(weight);
    if (weight.dataType !== ONNX_TYPE.float || dims.length !== 2) {
      skipped.push(`${label}: weight is not a float32 matrix`);
      return node;
    }
    let bias: string | undefined;
    let [k, n] = dims as [number, number];
    let w = tensorFloats(weight);
    if (isGemm) {
      // Y = alpha * A' * B' + beta * C. Only the plain form maps onto DynamicQuantizeMatMul's bias.
      if (attrInt(node, 'transA', 0) !== 0 || attrFloat(node, 'alpha', 1) !== 1) {
        skipped.push(`${label}: transposed input or alpha ≠ 1`);
        return node;
      }
      if (attrInt(node, 'transB', 0) === 1) {
        w = transpose(w, k, n);
        [k, n] = [n, k];
      }
      const c = node.input![2];
      if (c) {
        const cTensor = constantBehind(c, initializers, producers);
        const cDims = cTensor ? tensorDims(cTensor) : [];
        if (attrFloat(node, 'beta', 1) !== 1 || cDims.length !== 1 || cDims[0] !== n) {
          skipped.push(`${label}: its bias is not a constant vector of ${n}`);
          return node;
        }
        bias = c;
      }
    }
    const { q, scales } = quantizeColumns(w, k, n, levels);
    const base = `${weight.name}_int8_${converted}`;
    added.push(
      rawTensor(`${base}_quantized`, ONNX_TYPE.int8, [k, n], q),
      rawTensor(`${base}_scale`, ONNX_TYPE.float, [n], scales),
      rawTensor(`${base}_zero_point`, ONNX_TYPE.int8, [n], new Int8Array(n)),
    );
    converted++;
    return {
      opType: 'DynamicQuantizeMatMul',
      domain: MS_DOMAIN,
      name: `${node.name || node.output![0]}_int8`,
      input: [
        node.input![0]!,
        `${base}_quantized`,
        `${base}_scale`,
        `${base}_zero_point`,
        ...(bias ? [bias] : []),
      ],
      output: node.output!,
    };
  });

  // Embedding tables: Gather(table, ids) becomes Gather(int8 table, ids) × Gather(row scales, ids).
  const nodes: OnnxNode[] = [];
  for (const node of graph.node!) {
    const table =
      node.opType === 'Gather' && (node.domain ?? '') === '' && attrInt(node, 'axis', 0) === 0
        ? initializers.get(node.input![0]!)
        : undefined;
    const dims = table ? tensorDims(table) : [];
    // Small tables (position embeddings) are not worth a lookup more.
    if (!table || table.dataType !== ONNX_TYPE.float || dims.length !== 2 || dims[0]! < 1024) {
      nodes.push(node);
      continue;
    }
    const [rows, cols] = dims as [number, number];
    // Per row: quantizing the transpose by columns is the same as quantizing each row.
    const { q, scales } = quantizeColumns(transpose(tensorFloats(table), rows, cols), cols, rows, levels);
    const base = `${table.name}_int8_${converted}`;
    added.push(
      rawTensor(`${base}_quantized`, ONNX_TYPE.int8, [rows, cols], transposeInt8(q, cols, rows)),
      rawTensor(`${base}_scale`, ONNX_TYPE.float, [rows, 1], scales),
    );
    converted++;
    const out = node.output![0]!;
    const ids = node.input![1]!;
    nodes.push(
      {
        opType: 'Gather',
        name: `${base}_rows`,
        input: [`${base}_quantized`, ids],
        output: [`${base}_rows`],
        attribute: [{ name: 'axis', type: 2, i: 0 }],
      },
      {
        opType: 'Cast',
        name: `${base}_float`,
        input: [`${base}_rows`],
        output: [`${base}_float`],
        attribute: [{ name: 'to', type: 2, i: ONNX_TYPE.float }],
      },
      {
        opType: 'Gather',
        name: `${base}_row_scales`,
        input: [`${base}_scale`, ids],
        output: [`${base}_row_scales`],
        attribute: [{ name: 'axis', type: 2, i: 0 }],
      },
      {
        opType: 'Mul',
        name: `${base}_dequantize`,
        input: [`${base}_float`, `${base}_row_scales`],
        output: [out],
      },
    );
  }
  graph.node = nodes;

  dropUnread(graph);
  graph.initializer!.push(...added);
  if (converted > 0) ensureOpset(model, MS_DOMAIN, 1);
  return { converted, skipped };
}

function transposeInt8(w: Int8Array, rows: number, cols: number): Int8Array {
  const t = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

/** Removes initializers nothing reads any more (the float32 weights that were quantized). */
function dropUnread(graph: ReturnType<typeof graphOf>): void {
  const counts = readCounts(graph.node!);
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  graph.initializer = graph.initializer!.filter((t) => counts.has(t.name!) || outputs.has(t.name!));
  // Identity nodes left feeding nothing (their weight was quantized) go too.
  graph.node = graph.node!.filter(
    (n) => n.opType !== 'Identity' || n.output!.some((o) => counts.has(o) || outputs.has(o)),
  );
}

function tensorToFloat16(t: OnnxTensor): OnnxTensor {
  if (t.dataType !== ONNX_TYPE.float) return t;
  return rawTensor(t.name ?? '', ONNX_TYPE.float16, tensorDims(t), toFloat16Bits(tensorFloats(t)));
}

/** Converts the graph to float16 with float32 inputs and outputs (see the file's comment). */
export function convertFloat16(model: OnnxModel): ConversionSummary {
  const graph = graphOf(model);
  let converted = 0;
  graph.initializer = graph.initializer!.map((t) => {
    if (t.dataType === ONNX_TYPE.float) converted++;
    return tensorToFloat16(t);
  });
  const convertNodes = (nodes: OnnxNode[]): void => {
    for (const node of nodes) {
      for (const a of node.attribute ?? []) {
        if (a.t && a.t.dataType === ONNX_TYPE.float) a.t = tensorToFloat16(a.t);
        if (a.g) convertNodes(a.g.node ?? []);
        for (const g of a.graphs ?? []) convertNodes(g.node ?? []);
      }
      if (node.opType === 'Cast' && (node.domain ?? '') === '') {
        const to = node.attribute?.find((a) => a.name === 'to');
        if (to && Number(to.i) === ONNX_TYPE.float) to.i = ONNX_TYPE.float16;
      }
      if (node.opType === 'Constant') {
        // A scalar float constant (value_float) becomes a float16 tensor of one value.
        const vf = node.attribute?.find((a) => a.name === 'value_float');
        if (vf) {
          const v = Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, Number(vf.f)));
          node.attribute = [
            {
              name: 'value',
              type: 4, // AttributeProto.TENSOR
              t: rawTensor('', ONNX_TYPE.float16, [], toFloat16Bits(Float32Array.of(v))),
            },
          ];
        }
      }
    }
  };
  convertNodes(graph.node!);

  // The boundary: float32 in, Cast to float16; float16 result, Cast back to float32 under the output's name.
  const rename = (from: string, to: string): void => {
    for (const n of graph.node!) n.input = (n.input ?? []).map((i) => (i === from ? to : i));
  };
  const head: OnnxNode[] = [];
  for (const input of graph.input ?? []) {
    if (input.type?.tensorType?.elemType !== ONNX_TYPE.float) continue;
    const inner = `${input.name}_fp16`;
    rename(input.name!, inner);
    head.push({
      opType: 'Cast',
      name: `${inner}_cast`,
      input: [input.name!],
      output: [inner],
      attribute: [castTo(ONNX_TYPE.float16)],
    });
  }
  const tail: OnnxNode[] = [];
  for (const output of graph.output ?? []) {
    if (output.type?.tensorType?.elemType !== ONNX_TYPE.float) continue;
    const inner = `${output.name}_fp16`;
    for (const n of graph.node!) n.output = (n.output ?? []).map((o) => (o === output.name ? inner : o));
    rename(output.name!, inner);
    tail.push({
      opType: 'Cast',
      name: `${inner}_cast`,
      input: [inner],
      output: [output.name!],
      attribute: [castTo(ONNX_TYPE.float)],
    });
  }
  graph.node = [...head, ...graph.node!, ...tail];
  // Recorded intermediate types would now be wrong; onnxruntime infers them again when it loads.
  graph.valueInfo = [];
  return { converted, skipped: [] };
}

function castTo(type: number) {
  return { name: 'to', type: 2 /* AttributeProto.INT */, i: type };
}
