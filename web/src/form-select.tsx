/** Kept out of common.tsx: the public pages must not ship antd's Select (see light.tsx). */
import { Select, type SelectProps } from 'antd';

/**
 * An antd Select inside a Form.Item: the item's aria-required/aria-invalid/aria-describedby would land on
 * the select's role-less root div (an axe violation, see tasks.tsx's Choice); they are dropped there and
 * the label still names the combobox. The rules are checked and shown by the form as usual.
 */
export const FormSelect = ({
  'aria-required': _r,
  'aria-invalid': _i,
  'aria-describedby': _d,
  ...props
}: SelectProps & { 'aria-required'?: unknown; 'aria-invalid'?: unknown; 'aria-describedby'?: unknown }) => (
  <Select {...props} />
);
