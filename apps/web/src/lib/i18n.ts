import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { ApiError, errorMessage } from './api.ts';
import { en } from './locales/en.ts';
import { nb } from './locales/nb.ts';

export const LANGUAGES = ['en', 'nb'] as const;
export type Language = (typeof LANGUAGES)[number];

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}

/** Maps an account locale or a browser language to one we have texts for. */
export function pickLanguage(locale: string | null | undefined): Language | null {
  if (!locale) return null;
  const base = locale.toLowerCase().split(/[-_]/)[0];
  if (base === 'nb' || base === 'no' || base === 'nn') return 'nb';
  if (base === 'en') return 'en';
  return null;
}

function browserLanguage(): Language {
  for (const l of navigator.languages ?? [navigator.language]) {
    const picked = pickLanguage(l);
    if (picked) return picked;
  }
  return 'en';
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, nb: { translation: nb } },
  lng: browserLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
});

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});
document.documentElement.lang = i18n.language;

/** Follows the account's locale once we know it. */
export function applyAccountLocale(locale: string | null | undefined): void {
  const picked = pickLanguage(locale);
  if (picked && picked !== i18n.language) void i18n.changeLanguage(picked);
}

export { i18n };

/** A failed call in the reader's language when its code is one we know, else the server's words. */
export function describeError(error: unknown): string | undefined {
  if (error instanceof ApiError) {
    const key = `errors.${error.code}`;
    if (i18n.exists(key)) return i18n.t(key as 'errors.network');
  }
  return errorMessage(error);
}
