#!/usr/bin/env node
// Runs an ONNX model in ONNX Runtime (CPU) on one input: the proof behind Neurite's ONNX export
// (engine/export/onnx/OnnxVerify.cpp drives it).
//
//   node verify.js MODEL.onnx INPUT.bin DIMS OUTDIR
//
// INPUT.bin: raw little-endian float32 of shape DIMS ("8,1,28,28", the batch first), fed to the
// model's first input. Each output i is written to OUTDIR/i.bin as raw float32. Prints one JSON line:
//   {"runtime":"ONNX Runtime","version":"1.30.0","outputs":[{"name":"logits","dims":[8,10],"file":"0.bin"}]}
// or, exiting with 1, {"error":"..."}.
'use strict';

const fs = require('fs');
const path = require('path');

function fail(message) {
  process.stdout.write(JSON.stringify({ error: String(message) }) + '\n');
  process.exit(1);
}

async function main() {
  const [modelPath, inputPath, dimsText, outDir] = process.argv.slice(2);
  if (!outDir)
    fail('usage: node verify.js MODEL.onnx INPUT.bin DIMS OUTDIR');

  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    fail('ONNX Runtime (onnxruntime-node) does not load: ' + e.message +
         ' (run `npm ci --ignore-scripts` in ' + __dirname + ')');
  }

  const dims = dimsText.split(',').map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d <= 0))
    fail('bad input dimensions: ' + dimsText);
  const bytes = fs.readFileSync(inputPath);
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== count * 4)
    fail(inputPath + ' holds ' + bytes.length + ' bytes; [' + dims.join(', ') + '] float32 needs ' + count * 4);
  const values = new Float32Array(count);
  Buffer.from(values.buffer).set(bytes);

  // The CPU provider with the runtime's default graph optimisations (its fusions included): the
  // model as a user's ONNX Runtime runs it. One thread: the same sums in the same order every time.
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', values, dims) };
  const results = await session.run(feeds);

  const outputs = session.outputNames.map((name, i) => {
    const t = results[name];
    if (t.type !== 'float32')
      fail('output ' + name + ' is ' + t.type + ', not float32');
    const file = i + '.bin';
    fs.writeFileSync(path.join(outDir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return { name, dims: t.dims.map(Number), file };
  });
  const version = (ort.env && ort.env.versions && (ort.env.versions.node || ort.env.versions.common)) || 'unknown';
  process.stdout.write(JSON.stringify({ runtime: 'ONNX Runtime', version, outputs }) + '\n');
}

main().catch((e) => fail(e && e.message ? e.message : e));
