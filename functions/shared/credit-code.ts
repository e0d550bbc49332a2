/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-character
 * alphabet (digits and capitals without I, O, Z, S, V):
 *   1     registration-authority code (登记管理部门代码)
 *   2     organisation type code (机构类别代码), meaningful per registration authority
 *   3-8   administrative-division code (登记管理机关行政区划码, GB/T 2260), six digits
 *   9-17  organisation code (主体标识码)
 *   18    check character
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Registration-authority code → the type codes it issues (GB 32100-2015, Table 1). */
const TYPES: Readonly<Record<string, string>> = {
  '1': '1239', // 机构编制: 机关, 事业单位, 群众团体, 其他
  '2': '19', // 外交
  '3': '1234569', // 司法行政
  '4': '19', // 文化
  '5': '1239', // 民政: 社会团体, 民办非企业单位, 基金会, 其他
  '6': '129', // 旅游
  '7': '129', // 宗教
  '8': '19', // 工会
  '9': '123', // 工商: 企业, 个体工商户, 农民专业合作社
  A: '19', // 中央军委改革和编制办公室
  N: '1239', // 农业
  Y: '1', // 其他
};

/** GB/T 2260 province-level prefixes (and 10: central-level registration, 100000). */
const PROVINCES = new Set([
  '10',
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
]);

export const creditCodeCheckChar = (first17: string): string => {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i] ?? '');
    if (v < 0) throw new Error(`invalid character at ${i}`);
    sum += v * (WEIGHTS[i] ?? 0);
  }
  return ALPHABET[(31 - (sum % 31)) % 31] ?? '';
};

/** Why a code is not a valid unified social credit code, or undefined when it is. */
export const creditCodeProblem = (code: string): string | undefined => {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code))
    return '18 characters: digits and capitals except I, O, S, V, Z';
  const authority = code[0] ?? '';
  const types = TYPES[authority];
  if (!types) return `Unknown registration-authority code ${authority}`;
  if (!types.includes(code[1] ?? ''))
    return `Type code ${code[1]} is not issued by registration authority ${authority}`;
  const division = code.slice(2, 8);
  if (!/^\d{6}$/.test(division) || !PROVINCES.has(division.slice(0, 2)))
    return `Characters 3-8 must be an administrative-division code (GB/T 2260), not ${division}`;
  if (creditCodeCheckChar(code.slice(0, 17)) !== code[17]) return 'Wrong check character';
  return undefined;
};

/** Check character AND structure (registration authority, type, administrative division). */
export const isValidCreditCode = (code: string): boolean => creditCodeProblem(code) === undefined;

/** Builds a valid code from a 17-character body (demo data and tests). */
export const withCheckChar = (first17: string): string => first17 + creditCodeCheckChar(first17);
