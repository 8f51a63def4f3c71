// The machine a benchmark ran on, as BENCHMARKS.md states it: figures mean nothing without it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import sharp from 'sharp';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntime: string;
  sharp: string;
  libvips: string;
  lancedb: string;
  date: string;
  /** 1, 5 and 15-minute load averages when the description was taken. */
  loadAverage: [number, number, number];
}

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    const path = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    // Packages whose exports hide package.json: find it next to the entry point.
    try {
      let dir = require.resolve(name);
      for (let i = 0; i < 5; i++) {
        dir = dir.slice(0, dir.lastIndexOf('/'));
        try {
          const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as {
            name?: string;
            version: string;
          };
          if (pkg.name === name) return pkg.version;
        } catch {
          // not here; one folder up
        }
      }
    } catch {
      // not installed
    }
    return 'unknown';
  }
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1];
    if (pretty) return `${pretty} (${osType()} ${release()})`;
  } catch {
    // not Linux
  }
  return `${osType()} ${release()}`;
}

export function describeMachine(): MachineInfo {
  const list = cpus();
  const [a, b, c] = loadavg();
  return {
    cpu: list[0]?.model.trim() || 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    node: process.version,
    onnxruntime: packageVersion('onnxruntime-node'),
    sharp: packageVersion('sharp'),
    libvips: sharp.versions.vips,
    lancedb: packageVersion('@lancedb/lancedb'),
    date: new Date().toISOString(),
    loadAverage: [round2(a!), round2(b!), round2(c!)],
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
