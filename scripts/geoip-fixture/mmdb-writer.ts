/**
 * A minimal MaxMind DB (MMDB v2) writer, enough to build small test databases that the official
 * readers open: an IPv6 search tree with 24-bit records in which IPv4 networks live under ::/96 and
 * are aliased from ::ffff:0:0/96, as MaxMind's own ip_version 6 databases do.
 * Spec: https://maxmind.github.io/MaxMind-DB/
 */
import net from 'node:net';

/** Marks an unsigned integer that the spec wants as uint16 (metadata fields) rather than uint32. */
export class Uint16 {
  constructor(readonly value: number) {}
}

export type MmdbValue = string | number | bigint | boolean | Uint16 | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  cidr: string;
  data: { [key: string]: MmdbValue };
}

export interface MmdbOptions {
  databaseType: string;
  description: string;
  languages: string[];
  buildEpochSeconds: number;
  networks: MmdbNetwork[];
}

type Leaf = { offset: number };
interface TreeNode {
  children: [Child, Child];
}
type Child = TreeNode | Leaf | null;

const RECORD_BITS = 24;
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');

/** The spec's size field: up to 28 inline, larger sizes in 1-3 following bytes with an offset. */
function sizeField(size: number): [number, number[]] {
  if (size < 29) return [size, []];
  if (size < 285) return [29, [size - 29]];
  if (size < 65_821) return [30, [(size - 285) >> 8, (size - 285) & 0xff]];
  const rest = size - 65_821;
  return [31, [rest >> 16, (rest >> 8) & 0xff, rest & 0xff]];
}

function controlBytes(type: number, size: number): Buffer {
  const [sizeBits, extra] = sizeField(size);
  const head = type <= 7 ? [(type << 5) | sizeBits] : [sizeBits, type - 7];
  return Buffer.from([...head, ...extra]);
}

function unsignedBytes(value: bigint): Buffer {
  const hex = value === 0n ? '' : value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

/** Encodes one value of the data section (types: 2 string, 3 double, 5 uint16, 6 uint32, 7 map, 9 uint64, 11 array, 14 boolean). */
export function encodeValue(value: MmdbValue): Buffer {
  if (typeof value === 'string') return Buffer.concat([controlBytes(2, Buffer.byteLength(value)), Buffer.from(value)]);
  if (typeof value === 'boolean') return controlBytes(14, value ? 1 : 0);
  if (value instanceof Uint16) return encodeUnsigned(5, BigInt(value.value));
  if (typeof value === 'bigint') return encodeUnsigned(9, value);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value < 2 ** 32) return encodeUnsigned(6, BigInt(value));
    const double = Buffer.alloc(8);
    double.writeDoubleBE(value);
    return Buffer.concat([controlBytes(3, 8), double]);
  }
  if (Array.isArray(value)) return Buffer.concat([controlBytes(11, value.length), ...value.map(encodeValue)]);
  const entries = Object.entries(value);
  return Buffer.concat([controlBytes(7, entries.length), ...entries.flatMap(([key, item]) => [encodeValue(key), encodeValue(item)])]);
}

function encodeUnsigned(type: number, value: bigint): Buffer {
  const bytes = unsignedBytes(value);
  return Buffer.concat([controlBytes(type, bytes.length), bytes]);
}

/** The 128 bits of a network (IPv4 placed under ::/96) and its prefix length in the IPv6 tree. */
function networkBits(cidr: string): { bits: number[]; prefix: number } {
  const [address = '', prefixText = ''] = cidr.split('/');
  const version = net.isIP(address);
  if (version === 0) throw new Error(`not an IP network: ${cidr}`);
  const bytes = version === 4 ? [...Array<number>(12).fill(0), ...address.split('.').map(Number)] : expandIpv6(address);
  const bits = bytes.flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((shift) => (byte >> shift) & 1));
  return { bits, prefix: Number(prefixText) + (version === 4 ? 96 : 0) };
}

function expandIpv6(address: string): number[] {
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') && tail ? tail.split(':') : [];
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]);
}

/** The node at `depth` along `bits`, creating nodes (and splitting covering networks) on the way. */
function descend(root: TreeNode, bits: number[], depth: number): TreeNode {
  let node = root;
  for (let level = 0; level < depth; level += 1) {
    const bit = bits[level] ?? 0;
    const child = node.children[bit] ?? null;
    const next: TreeNode = child && 'children' in child ? child : { children: [child, child] };
    node.children[bit] = next;
    node = next;
  }
  return node;
}

function insert(root: TreeNode, cidr: string, leaf: Leaf): void {
  const { bits, prefix } = networkBits(cidr);
  descend(root, bits, prefix - 1).children[bits[prefix - 1] ?? 0] = leaf;
}

/** Makes ::ffff:0:0/96 lead to the same subtree as ::/96, so IPv4-mapped lookups find IPv4 data. */
function aliasMappedIpv4(root: TreeNode): void {
  const ipv4Root = descend(root, networkBits('::/96').bits, 96);
  const mapped = networkBits('::ffff:0:0/96').bits;
  descend(root, mapped, 95).children[mapped[95] ?? 1] = ipv4Root;
}

function numberNodes(root: TreeNode): TreeNode[] {
  const order: TreeNode[] = [];
  const seen = new Set<TreeNode>();
  const queue: TreeNode[] = [root];
  for (let node = queue.shift(); node; node = queue.shift()) {
    if (seen.has(node)) continue;
    seen.add(node);
    order.push(node);
    for (const child of node.children) if (child && 'children' in child) queue.push(child);
  }
  return order;
}

/** Builds the whole database file. */
export function buildMmdb(options: MmdbOptions): Buffer {
  const dataParts: Buffer[] = [];
  const offsets = new Map<string, number>();
  let dataSize = 0;
  const root: TreeNode = { children: [null, null] };
  for (const network of options.networks) {
    const key = JSON.stringify(network.data);
    if (!offsets.has(key)) {
      const encoded = encodeValue(network.data);
      offsets.set(key, dataSize);
      dataParts.push(encoded);
      dataSize += encoded.length;
    }
    insert(root, network.cidr, { offset: offsets.get(key) ?? 0 });
  }
  aliasMappedIpv4(root);
  const nodes = numberNodes(root);
  const index = new Map(nodes.map((node, position) => [node, position]));
  const record = (child: Child): number =>
    child === null ? nodes.length : 'children' in child ? (index.get(child) ?? 0) : nodes.length + 16 + child.offset;
  const tree = Buffer.alloc(nodes.length * ((RECORD_BITS * 2) / 8));
  nodes.forEach((node, position) => {
    tree.writeUIntBE(record(node.children[0]), position * 6, 3);
    tree.writeUIntBE(record(node.children[1]), position * 6 + 3, 3);
  });
  const metadata = encodeValue({
    binary_format_major_version: new Uint16(2),
    binary_format_minor_version: new Uint16(0),
    build_epoch: BigInt(options.buildEpochSeconds),
    database_type: options.databaseType,
    description: { en: options.description },
    ip_version: new Uint16(6),
    languages: options.languages,
    node_count: nodes.length,
    record_size: new Uint16(RECORD_BITS),
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...dataParts, METADATA_MARKER, metadata]);
}
