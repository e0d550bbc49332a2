/**
 * The schema of a Parquet file from its footer, without a Parquet library: the footer is a Thrift
 * (compact protocol) `FileMetaData` whose field 2 lists the schema elements. Used in AWS to check an
 * upload's columns against the entry's data items before registering its Glue table (locally DuckDB's
 * `read_parquet` reads the schema). The types are named as DuckDB names them, so the one schema check
 * (domain.ts `checkParquetSchema`) serves both paths.
 */
import type { PhysicalColumn } from './domain.js';

type Value = number | bigint | boolean | Buffer | Value[] | Struct | undefined;
interface Struct {
  readonly [field: number]: Value;
}

class CompactReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('Truncated Parquet footer');
    return this.buf[this.pos++] as number;
  }
  private varint(): bigint {
    let shift = 0n;
    let out = 0n;
    for (;;) {
      const b = this.byte();
      out |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return out;
      shift += 7n;
      if (shift > 70n) throw new Error('Bad varint in Parquet footer');
    }
  }
  private zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }
  private value(type: number): Value {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return this.byte();
      case 4:
      case 5:
        return Number(this.zigzag());
      case 6:
        return this.zigzag();
      case 7:
        this.pos += 8;
        return undefined;
      case 8: {
        const n = Number(this.varint());
        if (this.pos + n > this.buf.length) throw new Error('Truncated Parquet footer');
        const b = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return b;
      }
      case 9:
      case 10: {
        const h = this.byte();
        const size = h >> 4 === 15 ? Number(this.varint()) : h >> 4;
        const el = h & 0x0f;
        const out: Value[] = [];
        for (let i = 0; i < size; i++) out.push(el === 1 || el === 2 ? this.byte() === 1 : this.value(el));
        return out;
      }
      case 11: {
        const size = Number(this.varint());
        if (size === 0) return [];
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.value(kv >> 4);
          this.value(kv & 0x0f);
        }
        return [];
      }
      case 12:
        return this.struct();
      default:
        throw new Error(`Unknown Thrift type ${type} in Parquet footer`);
    }
  }
  /** A struct; `stopAfter`: stop reading once this field is read (the rest of the footer is not needed). */
  struct(stopAfter?: number): Struct {
    const out: Record<number, Value> = {};
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return out;
      const delta = h >> 4;
      const id = delta ? last + delta : Number(this.zigzag());
      last = id;
      out[id] = this.value(h & 0x0f);
      if (id === stopAfter) return out;
    }
  }
}

const num = (v: Value): number | undefined => (typeof v === 'number' ? v : undefined);
const struct = (v: Value): Struct | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) ? (v as Struct) : undefined;

// Parquet's physical types and converted types (parquet.thrift).
const [BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED] = [0, 1, 2, 3, 4, 5, 6, 7];
const CONVERTED: Readonly<Record<number, string>> = {
  0: 'VARCHAR',
  4: 'VARCHAR',
  6: 'DATE',
  7: 'TIME',
  8: 'TIME',
  9: 'TIMESTAMP',
  10: 'TIMESTAMP',
  11: 'UTINYINT',
  12: 'USMALLINT',
  13: 'UINTEGER',
  14: 'UBIGINT',
  15: 'TINYINT',
  16: 'SMALLINT',
  17: 'INTEGER',
  18: 'BIGINT',
  19: 'VARCHAR',
};

/** One leaf column's type, named as DuckDB names what it reads. */
const typeOf = (e: Struct): string => {
  const physical = num(e[1]);
  const converted = num(e[6]);
  const logical = struct(e[10]);
  if (converted === 5 || logical?.[5] !== undefined) {
    const d = struct(logical?.[5]);
    return `DECIMAL(${num(d?.[2]) ?? num(e[8]) ?? 18},${num(d?.[1]) ?? num(e[7]) ?? 0})`;
  }
  if (logical?.[1] !== undefined) return 'VARCHAR';
  if (logical?.[14] !== undefined) return 'UUID';
  const ts = struct(logical?.[8]);
  if (ts) return ts[1] === true ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP';
  const int = struct(logical?.[10]);
  if (int) {
    const bits = num(int[1]) ?? 32;
    const name = bits <= 8 ? 'TINYINT' : bits <= 16 ? 'SMALLINT' : bits <= 32 ? 'INTEGER' : 'BIGINT';
    return int[2] === false ? `U${name}` : name;
  }
  if (converted !== undefined && CONVERTED[converted]) return CONVERTED[converted] as string;
  switch (physical) {
    case BOOLEAN:
      return 'BOOLEAN';
    case INT32:
      return 'INTEGER';
    case INT64:
      return 'BIGINT';
    case INT96:
      return 'TIMESTAMP';
    case FLOAT:
      return 'FLOAT';
    case DOUBLE:
      return 'DOUBLE';
    case BYTE_ARRAY:
    case FIXED:
      return 'BLOB';
    default:
      return 'UNKNOWN';
  }
};

/**
 * The top-level columns of a Parquet file, from its footer's `FileMetaData` (the bytes before the
 * 4-byte length and `PAR1`). A nested column (a group) is reported as STRUCT: no data item matches it.
 */
export const parquetSchema = (footer: Buffer): PhysicalColumn[] => {
  const meta = new CompactReader(footer).struct(2);
  const elements = (Array.isArray(meta[2]) ? meta[2] : []).map(struct);
  const root = elements[0];
  if (!root) throw new Error('The Parquet footer has no schema');
  const out: PhysicalColumn[] = [];
  let i = 1;
  const skip = (): void => {
    const e = elements[i++];
    for (let c = 0; c < (num(e?.[5]) ?? 0); c++) skip();
  };
  for (let c = 0; c < (num(root[5]) ?? 0); c++) {
    const e = elements[i];
    if (!e) throw new Error('The Parquet schema is truncated');
    const name = Buffer.isBuffer(e[4]) ? e[4].toString('utf8') : '';
    const group = (num(e[5]) ?? 0) > 0;
    out.push({ name, type: group ? 'STRUCT' : typeOf(e) });
    skip();
  }
  return out;
};
