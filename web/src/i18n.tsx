import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';

export type Lang = 'zh' | 'en';

interface I18n {
  readonly lang: Lang;
  setLang(l: Lang): void;
  /** The Chinese text, or its English translation when English is chosen. */
  t(zh: string, en: string): string;
}

const Ctx = createContext<I18n>({ lang: 'zh', setLang: () => {}, t: (zh) => zh });

const stored = (): Lang => (localStorage.getItem('lang') === 'en' ? 'en' : 'zh');

/** Chinese by default; the switch is remembered in the browser. */
export const I18nProvider = ({ children }: { children: ReactNode }) => {
  const [lang, set] = useState<Lang>(stored);
  const value = useMemo<I18n>(
    () => ({
      lang,
      setLang: (l) => {
        localStorage.setItem('lang', l);
        document.documentElement.lang = l === 'en' ? 'en' : 'zh-CN';
        set(l);
      },
      t: (zh, en) => (lang === 'en' ? en : zh),
    }),
    [lang],
  );
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
};

export const useI18n = () => useContext(Ctx);
