/** Dates are shown in China Standard Time (Asia/Shanghai), whatever the browser's zone. */
const formats = new Map<string, Intl.DateTimeFormat>();
const format = (lang: string, withTime: boolean) => {
  const key = `${lang}|${withTime}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}),
    });
    formats.set(key, f);
  }
  return f;
};

/** "2026/11/29 20:00" (zh) or "29/11/2026, 20:00" (en), in CST; '—' for nothing. */
export const formatTime = (iso: unknown, lang: string, withTime = true): string => {
  if (typeof iso !== 'string' || !iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : `${format(lang, withTime).format(d)}${withTime ? ' CST' : ''}`;
};
