/**
 * Disk-image fixtures for the format tests, made at test time by the real tools (qemu-img,
 * genisoimage, sgdisk, sfdisk, mkfs.vfat, cryptsetup) in a temporary directory. A hostile case is
 * a real image with a few header bytes patched only where no tool writes that layout. A missing
 * tool fails the test with the package to install (scripts/install-peers.sh installs them all).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const PACKAGE_OF: Record<string, string> = {
  'qemu-img': 'qemu-utils',
  genisoimage: 'genisoimage',
  sgdisk: 'gdisk',
  sfdisk: 'fdisk',
  'mkfs.vfat': 'dosfstools',
  cryptsetup: 'cryptsetup-bin',
};

/** Runs a tool; a missing tool or a failure throws with what to install or what it printed. */
export function run(tool: string, args: string[], input?: string): string {
  try {
    // The partitioning and filesystem tools live in sbin, which a non-root PATH may lack.
    const env = { ...process.env, PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin` };
    return execFileSync(tool, args, { encoding: 'utf8', input, env, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`${tool} is required by the format tests: apt-get install ${PACKAGE_OF[tool] ?? tool}`);
    }
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** qemu-img's opinion of a file: format and virtual size. */
export function qemuInfo(path: string): { format: string; virtualSize: number } {
  const info = JSON.parse(run('qemu-img', ['info', '--output=json', path])) as Record<string, unknown>;
  return { format: String(info['format']), virtualSize: Number(info['virtual-size']) };
}

/** Writes `bytes` at `offset` of a file in place. */
export function patchFile(path: string, offset: number, bytes: Buffer | number[]): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from(bytes), 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * A streamOptimized vmdk rewritten the way VMware writes one: header grain-directory offset set
 * to "at end", and after the data a footer marker, a copy of the original header and an
 * end-of-stream marker. qemu-img writes no footer, so this layout has to be assembled; qemu
 * reads the result. `edit` may damage the 1536-byte footer before it is appended.
 */
export function withVmdkFooter(stream: Buffer, edit: (footer: Buffer) => void = () => {}): Buffer {
  const header = Buffer.from(stream.subarray(0, 512));
  const body = Buffer.concat([stream, Buffer.alloc((512 - (stream.length % 512)) % 512)]);
  body.writeBigUInt64LE(0xffffffffffffffffn, 56);
  const marker = Buffer.alloc(512);
  marker.writeUInt32LE(3, 12); // marker type 3: footer
  const footer = Buffer.concat([marker, header, Buffer.alloc(512)]);
  edit(footer);
  return Buffer.concat([body, footer]);
}

/** Fixture names and how to make them (each recipe may use other fixtures). */
type Recipe = (f: Fixtures, path: string) => void;

const MiB = 1024 * 1024;

/** A raw disk with random data scattered over `size` bytes (sparse elsewhere). */
function contentRaw(path: string, size: number): void {
  writeFileSync(path, Buffer.alloc(0));
  truncateSync(path, size);
  for (const at of [0, Math.floor(size / 2), size - MiB]) patchFile(path, at, randomBytes(MiB));
}

/** A LUKS container of `size` bytes formatted by cryptsetup with a cheap key derivation. */
function luksFormat(f: Fixtures, path: string, type: 'luks1' | 'luks2', size: number): void {
  writeFileSync(path, Buffer.alloc(0));
  truncateSync(path, size);
  const key = f.scratch('luks.key');
  writeFileSync(key, 'fixture');
  const kdf = type === 'luks1' ? [] : ['--pbkdf', 'pbkdf2'];
  run('cryptsetup', ['luksFormat', '-q', '--type', type, ...kdf, '--pbkdf-force-iterations', '1000', '--key-file', key, path]);
}

const RECIPES: Record<string, Recipe> = {
  raw: (_f, p) => contentRaw(p, 5 * MiB),
  qcow2: (_f, p) => run('qemu-img', ['create', '-q', '-f', 'qcow2', p, '10M']),
  'qcow2-v2': (_f, p) => run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', 'compat=0.10', p, '10M']),
  // Shaped like the install guide's cirros image: 44 MiB virtual, real data inside.
  'qcow2-cirros': (f, p) => {
    const src = f.scratch('cirros.raw');
    contentRaw(src, 46137344);
    run('qemu-img', ['convert', '-O', 'qcow2', src, p]);
  },
  'qcow2-backing': (f, p) => {
    const base = f.scratch('base.raw');
    run('qemu-img', ['create', '-q', '-f', 'raw', base, '10M']);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', p]);
  },
  'qcow2-datafile': (f, p) =>
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', `data_file=${f.scratch('data.raw')}`, p, '10M']),
  'vmdk-sparse': (_f, p) => run('qemu-img', ['create', '-q', '-f', 'vmdk', p, '10M']),
  'vmdk-stream': (f, p) => {
    const src = f.scratch('stream-src.raw');
    contentRaw(src, 10 * MiB);
    run('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=streamOptimized', src, p]);
  },
  'vmdk-flat': (_f, p) => run('qemu-img', ['create', '-q', '-f', 'vmdk', '-o', 'subformat=monolithicFlat', p, '10M']),
  vhd: (_f, p) => run('qemu-img', ['create', '-q', '-f', 'vpc', p, '10M']),
  'vhd-fixed': (_f, p) => run('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=fixed', p, '10M']),
  vhdx: (_f, p) => run('qemu-img', ['create', '-q', '-f', 'vhdx', p, '10M']),
  vdi: (_f, p) => run('qemu-img', ['create', '-q', '-f', 'vdi', p, '10M']),
  qed: (_f, p) => run('qemu-img', ['create', '-q', '-f', 'qed', p, '10M']),
  // cryptsetup rather than `qemu-img create -f luks`: same on-disk LUKS1, without qemu's
  // seconds-long key-derivation benchmark.
  luks: (f, p) => luksFormat(f, p, 'luks1', 4 * MiB),
  luks2: (f, p) => luksFormat(f, p, 'luks2', 20 * MiB),
  iso: (f, p) => {
    const dir = f.scratch('iso-root');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'readme.txt'), 'glance-ts format fixture\n');
    run('genisoimage', ['-quiet', '-o', p, dir]);
  },
  // What isohybrid does: an MBR in the ISO's 32 KiB system area so the image also boots from USB.
  'iso-hybrid': (f, p) => {
    f.copy('iso', p);
    run('sfdisk', ['-q', '--wipe', 'never', p], 'label: dos\nstart=64, size=600, type=17, bootable\n');
  },
  gpt: (_f, p) => {
    writeFileSync(p, Buffer.alloc(0));
    truncateSync(p, 10 * MiB);
    run('sgdisk', ['-n', '1:2048:+4M', '-n', '2:0:0', p]);
  },
  // A hybrid MBR: the protective entry plus a real one, which firmware may read instead of the GPT.
  'gpt-hybrid': (f, p) => {
    f.copy('gpt', p);
    run('sgdisk', ['-h', '1', p]);
  },
  mbr: (_f, p) => {
    writeFileSync(p, Buffer.alloc(0));
    truncateSync(p, 10 * MiB);
    run('sfdisk', ['-q', p], 'label: dos\nstart=2048, size=4096, type=83\n');
  },
  'mbr-empty': (_f, p) => {
    writeFileSync(p, Buffer.alloc(0));
    truncateSync(p, 10 * MiB);
    run('sfdisk', ['-q', p], 'label: dos\n');
  },
  fat: (_f, p) => {
    writeFileSync(p, Buffer.alloc(0));
    truncateSync(p, 10 * MiB);
    run('mkfs.vfat', [p]);
  },
};

/** A lazily populated set of fixtures in one temporary directory. */
export class Fixtures {
  readonly dir: string;
  private readonly made = new Map<string, string>();

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'glance-ts-format-'));
  }

  /** The path of a named fixture, made on first use. */
  path(name: string): string {
    const known = this.made.get(name);
    if (known !== undefined) return known;
    const recipe = RECIPES[name];
    if (recipe === undefined) throw new Error(`no fixture recipe ${name}`);
    const p = join(this.dir, `${name}.img`);
    recipe(this, p);
    this.made.set(name, p);
    return p;
  }

  /** The bytes of a named fixture. */
  bytes(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  /** A path in the fixture directory for intermediate files. */
  scratch(file: string): string {
    return join(this.dir, file);
  }

  /** Copies fixture `name` to `dest`. */
  copy(name: string, dest: string): void {
    writeFileSync(dest, readFileSync(this.path(name)));
  }

  /** A new file: fixture `name` with byte patches applied (offset → bytes). */
  variant(name: string, variant: string, patches: Array<[number, Buffer | number[]]>): string {
    const p = this.scratch(`${name}-${variant}.img`);
    this.copy(name, p);
    for (const [offset, bytes] of patches) patchFile(p, offset, bytes);
    return p;
  }

  /** Removes the directory. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
