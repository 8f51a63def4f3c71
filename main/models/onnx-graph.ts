// A small ONNX graph builder over onnx-proto (protobufjs-generated ONNX messages). It builds the demo model
// and the random-weight CLIP towers used by tests and benchmarks, so Lookbook needs no Python to make a model.
//
// Initializers may be given lazily (a function producing the data): the graph can then be inspected (inputs,
// parameter count) without allocating weights, and `writeFile` streams one tensor at a time, so a 350 MB
// model never sits in memory as one buffer. That works because protobuf lets a message's fields be written
// in any order and repeated fields be concatenated: the graph is its small "head" (nodes, inputs, outputs)
// followed by one length-delimited `initializer` entry per tensor, each of which ends with its raw bytes.
import { open, readFile } from 'node:fs/promises';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX opset the builder declares (LayerNormalization needs 17; ReduceMean still takes `axes` as an attribute). */
export const OPSET = 17;
/** IR version matching opset 17 (ONNX 1.12). */
const IR_VERSION = 8;

export type ElementType = 'float32' | 'int64';
/** A fixed size, or a symbolic name ('batch', 'sequence') for a dynamic axis. */
export type Dim = number | string;
export type TensorData = Float32Array | BigInt64Array;
/**
 * Node attribute values: an integer becomes INT, a non-integer number FLOAT, an array of integers INTS, a
 * string STRING. Wrap in `{ float }` / `{ floats }` to force floats for integral values (e.g. `{ float: 1 }`).
 */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

const DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
};
const ELEMENT_BYTES: Record<ElementType, number> = { float32: 4, int64: 8 };

interface Initializer {
  name: string;
  type: ElementType;
  dims: number[];
  data: TensorData | (() => TensorData);
  /** Weights count as parameters; constants (shapes, axes, masks) do not. */
  isWeight: boolean;
}

export interface GraphBuilder {
  /** Declares a graph input; returns its name. */
  input(name: string, type: ElementType, dims: Dim[]): string;
  /** Declares a graph output (the name of a value some node produces). */
  output(name: string, type: ElementType, dims: Dim[]): void;
  /** A weight or constant tensor; `data` may be a function called only when the model is serialized. */
  initializer(name: string, type: ElementType, dims: number[], data: TensorData | (() => TensorData)): string;
  /** A float32 constant with an automatic name. */
  constFloat(values: number[] | Float32Array, dims?: number[]): string;
  /** An int64 constant with an automatic name (shapes, axes, indices). */
  constInt64(values: number[], dims?: number[]): string;
  /** Adds a node with `outputCount` automatically named outputs (or the given names); returns the names. */
  node(
    opType: string,
    inputs: string[],
    attrs?: Record<string, AttrValue>,
    outputs?: number | string[],
  ): string[];
  /** Adds a single-output node and returns its output's name. */
  op(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, output?: string): string;
  /** Number of scalar parameters held in weights (not constants), from shapes alone: no data is generated. */
  paramCount(): number;
  /** Serialized size in bytes, without generating lazy data. */
  byteLength(): number;
  /** The whole model as one buffer (small models). */
  toBuffer(): Buffer;
  /** Streams the model to `path`, generating lazy initializers one at a time. */
  writeFile(path: string): Promise<void>;
}

export interface GraphOptions {
  name: string;
  producer?: string;
  docString?: string;
}

export function createGraph(options: GraphOptions): GraphBuilder {
  const nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  const inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  const initializers: Initializer[] = [];
  const names = new Set<string>();
  let counter = 0;

  const claim = (name: string): string => {
    if (names.has(name)) throw new Error(`ONNX graph '${options.name}': the name '${name}' is used twice`);
    names.add(name);
    return name;
  };
  /** An unused name (claimed by whoever defines the value). */
  const fresh = (prefix: string): string => {
    let name: string;
    do name = `${prefix}_${counter++}`;
    while (names.has(name));
    return name;
  };

  const valueInfo = (name: string, type: ElementType, dims: Dim[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: DATA_TYPE[type],
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });

  const builder: GraphBuilder = {
    input(name, type, dims) {
      inputs.push(valueInfo(claim(name), type, dims));
      return name;
    },
    output(name, type, dims) {
      if (!names.has(name))
        throw new Error(`ONNX graph '${options.name}': output '${name}' is never produced`);
      outputs.push(valueInfo(name, type, dims));
    },
    initializer(name, type, dims, data) {
      return addInitializer(name, type, dims, data, true);
    },
    constFloat(values, dims) {
      const data = values instanceof Float32Array ? values : Float32Array.from(values);
      return addInitializer(fresh('const'), 'float32', dims ?? [data.length], data, false);
    },
    constInt64(values, dims) {
      const data = BigInt64Array.from(values, (v) => BigInt(v));
      return addInitializer(fresh('const'), 'int64', dims ?? [data.length], data, false);
    },
    node(opType, nodeInputs, attrs = {}, nodeOutputs = 1) {
      for (const i of nodeInputs) {
        if (i !== '' && !names.has(i)) {
          throw new Error(`ONNX graph '${options.name}': ${opType} reads '${i}', which nothing defines`);
        }
      }
      const outs =
        typeof nodeOutputs === 'number'
          ? Array.from({ length: nodeOutputs }, () => claim(fresh(opType.toLowerCase())))
          : nodeOutputs.map(claim);
      nodes.push(
        onnx.NodeProto.create({
          opType,
          name: `${opType}_${nodes.length}`,
          input: nodeInputs,
          output: outs,
          attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
        }),
      );
      return outs;
    },
    op(opType, nodeInputs, attrs, output) {
      return builder.node(opType, nodeInputs, attrs, output === undefined ? 1 : [output])[0]!;
    },
    paramCount() {
      return initializers
        .filter((t) => t.isWeight)
        .reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0);
    },
    byteLength() {
      const layout = planLayout();
      return layout.total;
    },
    toBuffer() {
      const layout = planLayout();
      const parts: Uint8Array[] = [layout.modelHead];
      for (const t of layout.tensors) parts.push(t.header, rawBytes(t.init));
      return Buffer.concat(parts, layout.total);
    },
    async writeFile(path) {
      const layout = planLayout();
      const file = await open(path, 'w');
      try {
        await file.write(layout.modelHead);
        for (const t of layout.tensors) {
          await file.write(t.header);
          await file.write(rawBytes(t.init));
        }
      } finally {
        await file.close();
      }
    },
  };

  function addInitializer(
    name: string,
    type: ElementType,
    dims: number[],
    data: TensorData | (() => TensorData),
    isWeight: boolean,
  ): string {
    if (typeof data !== 'function') checkLength(name, type, dims, data);
    initializers.push({ name: claim(name), type, dims, data, isWeight });
    return name;
  }

  function planLayout() {
    if (outputs.length === 0) throw new Error(`ONNX graph '${options.name}' has no outputs`);
    const graphHead = onnx.GraphProto.encode({
      name: options.name,
      node: nodes,
      input: inputs,
      output: outputs,
      docString: options.docString ?? '',
    }).finish();
    const tensors = initializers.map((init) => {
      const rawLength = init.dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[init.type];
      const tensorHead = onnx.TensorProto.encode({
        name: init.name,
        dims: init.dims,
        dataType: DATA_TYPE[init.type],
      }).finish();
      const rawPrefix = concat([Uint8Array.of(RAW_DATA_TAG), varint(rawLength)]);
      const tensorLength = tensorHead.length + rawPrefix.length + rawLength;
      const header = concat([Uint8Array.of(INITIALIZER_TAG), varint(tensorLength), tensorHead, rawPrefix]);
      return { init, header, size: header.length + rawLength };
    });
    const graphLength = graphHead.length + tensors.reduce((n, t) => n + t.size, 0);
    const modelStart = onnx.ModelProto.encode({
      irVersion: IR_VERSION,
      producerName: options.producer ?? 'lookbook',
      opsetImport: [{ domain: '', version: OPSET }],
    }).finish();
    const modelHead = concat([modelStart, Uint8Array.of(GRAPH_TAG), varint(graphLength), graphHead]);
    return { modelHead, tensors, total: modelStart.length + 1 + varint(graphLength).length + graphLength };
  }

  return builder;
}

// Protobuf tags (field number << 3 | wire type 2 = length-delimited) for the fields written by hand.
const GRAPH_TAG = (7 << 3) | 2; // ModelProto.graph
const INITIALIZER_TAG = (5 << 3) | 2; // GraphProto.initializer
const RAW_DATA_TAG = (9 << 3) | 2; // TensorProto.raw_data

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Uint8Array.from(bytes);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function checkLength(name: string, type: ElementType, dims: number[], data: TensorData): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  const isRightType = type === 'float32' ? data instanceof Float32Array : data instanceof BigInt64Array;
  if (!isRightType || data.length !== expected) {
    throw new Error(
      `ONNX initializer '${name}': expected ${expected} ${type} values for dims [${dims.join(', ')}], ` +
        `got ${data.length} ${data.constructor.name}`,
    );
  }
}

function rawBytes(init: Initializer): Uint8Array {
  const data = typeof init.data === 'function' ? init.data() : init.data;
  checkLength(init.name, init.type, init.dims, data);
  // ONNX raw_data is little-endian, as are the typed arrays on every platform Node supports.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function attribute(name: string, value: AttrValue) {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) {
      throw new Error(`ONNX attribute '${name}': use { floats: [...] } for non-integer lists`);
    }
    return { name, type: AttributeType.INTS, ints: value };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.FLOATS, floats: value.floats };
}

// ---------------------------------------------------------------------------------------------------------
// Reading and rewriting existing models (quantize.ts converts an installed model's towers).

export type OnnxModel = InstanceType<typeof onnx.ModelProto>;
export type OnnxTensor = OnnxTypes.ITensorProto;
export type OnnxNode = OnnxTypes.INodeProto;
/** The element types the converters read and write (ONNX TensorProto.DataType numbers). */
export const ONNX_TYPE = {
  float: onnx.TensorProto.DataType.FLOAT,
  int8: onnx.TensorProto.DataType.INT8,
  float16: onnx.TensorProto.DataType.FLOAT16,
} as const;

/**
 * Decodes a whole .onnx file. Tensors kept in separate files (external data, used by models over 2 GB)
 * are refused: every CLIP tower Lookbook offers fits in one file, and rewriting them is not supported.
 */
export async function readOnnxModel(path: string): Promise<OnnxModel> {
  const model = onnx.ModelProto.decode(await readFile(path));
  const external = model.graph?.initializer?.find(
    (t) => t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL,
  );
  if (external) {
    throw new Error(
      `${path} keeps its weights in a separate file ('${external.name}'); such models cannot be converted`,
    );
  }
  return model;
}

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** A tensor's dimensions as plain numbers (protobufjs gives 64-bit values as Long objects). */
export function tensorDims(t: OnnxTensor): number[] {
  return (t.dims ?? []).map((d) => Number(d));
}

/** A float tensor's values, wherever the file keeps them (raw bytes or the repeated float field). */
export function tensorFloats(t: OnnxTensor): Float32Array {
  if (t.dataType !== ONNX_TYPE.float) throw new Error(`tensor '${t.name}' is not float32`);
  if (t.rawData && t.rawData.length > 0) {
    // Copy: the raw bytes are a slice of the file buffer and need not be 4-byte aligned.
    const bytes = Uint8Array.from(t.rawData);
    return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** A tensor message holding `data` as raw bytes. */
export function rawTensor(
  name: string,
  dataType: number,
  dims: number[],
  data: Float32Array | Int8Array | Uint16Array,
): OnnxTensor {
  return onnx.TensorProto.create({
    name,
    dataType,
    dims,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;

/**
 * IEEE 754 half-precision bits of each value, rounded to nearest even. Values beyond the float16 range
 * are clamped to ±65504 rather than becoming infinities (CLIP graphs use -1e9 or float32's lowest value
 * as "minus infinity" in attention masks; clamped they still mask, as infinities they would give NaN).
 */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (v > FLOAT16_MAX) v = FLOAT16_MAX;
    else if (v < -FLOAT16_MAX) v = -FLOAT16_MAX;
    f32[0] = v;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    const mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7e00; // NaN (infinities were clamped above)
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7bff;
    } else if (e <= 0) {
      // Subnormal half (or zero): shift the mantissa, with its implicit 1, into place and round.
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      const m = mant | 0x800000;
      const shift = 14 - e;
      let half = m >>> shift;
      const rem = m & ((1 << shift) - 1);
      const halfway = 1 << (shift - 1);
      if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
      out[i] = sign | half;
    } else {
      let half = (e << 10) | (mant >>> 13);
      const rem = mant & 0x1fff;
      if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: still right
      out[i] = sign | Math.min(half, 0x7bff);
    }
  }
  return out;
}
