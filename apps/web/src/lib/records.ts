// Pure helpers of the record forms (people, companies): drafts to API bodies.

export type TAddressDraft = { street: string; postalCode: string; city: string; state: string; country: string };
export const EMPTY_ADDRESS: TAddressDraft = { street: '', postalCode: '', city: '', state: '', country: '' };

export function addressDraft(a: Partial<Record<keyof TAddressDraft, string | null>> | null | undefined): TAddressDraft {
  return {
    street: a?.street ?? '',
    postalCode: a?.postalCode ?? '',
    city: a?.city ?? '',
    state: a?.state ?? '',
    country: a?.country ?? '',
  };
}

/** The address for the API: null when every part is empty, else each empty part null. */
export function addressInput(a: TAddressDraft): Record<keyof TAddressDraft, string | null> | null {
  const out = {
    street: a.street.trim() || null,
    postalCode: a.postalCode.trim() || null,
    city: a.city.trim() || null,
    state: a.state.trim() || null,
    country: a.country || null,
  };
  return Object.values(out).some(Boolean) ? out : null;
}

/** Pasted or blurred text may hold several tags: split on commas, trim, drop empties and repeats. */
export function normaliseTags(tags: string[]): string[] {
  const out: string[] = [];
  for (const tag of tags.flatMap((x) => x.split(','))) {
    const clean = tag.trim();
    if (clean && !out.some((x) => x.toLowerCase() === clean.toLowerCase())) out.push(clean);
  }
  return out;
}

/** After a refused save, takes the reader to the first field the server named. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  // The error reaches the inputs on the next render: look once it has painted.
  setTimeout(() => {
    const input = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
    input?.focus();
  }, 50);
}

/** For each row kept when empty ones are dropped, its position among the kept ones. */
export function compactIndex(kept: boolean[]): (number | undefined)[] {
  let n = 0;
  return kept.map((k) => (k ? n++ : undefined));
}
