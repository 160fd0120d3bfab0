/**
 * `${NAME}` inside a string of a rules file is the value of the environment variable NAME
 * (secrets stay out of the file); `$${` is a literal `${`.
 */

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SubstitutionProblem {
  /** Where in the string's text the reference starts. */
  index: number;
  /** The reference as written, e.g. `${SLACK_URL}`. */
  text: string;
  message: string;
}

export type Substituted = { ok: true; value: string } | { ok: false; problems: SubstitutionProblem[] };

/** The string with every `${NAME}` replaced from `env`; every missing or malformed reference a problem. */
export function substituteEnv(text: string, env: Record<string, string | undefined>): Substituted {
  let out = '';
  const problems: SubstitutionProblem[] = [];
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    const name = end < 0 ? '' : text.slice(i + 2, end);
    if (end < 0 || !NAME.test(name)) {
      const shown = end < 0 ? text.slice(i) : text.slice(i, end + 1);
      problems.push({
        index: i,
        text: shown,
        message: `${shown} is not a reference: expected \${NAME} (letters, digits, _) or $\${ for a literal \${`,
      });
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const value = env[name];
    if (value === undefined) {
      problems.push({ index: i, text: `\${${name}}`, message: `environment variable ${name} is not set` });
    } else {
      out += value;
    }
    i = end + 1;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: out };
}

/** A string as a rules file must write it to mean itself: every `${` escaped as `$${`. */
export function escapeEnv(text: string): string {
  // A function: in a replacement string `$$` would mean one `$`.
  return text.replaceAll('${', () => '$${');
}

/** `${NAME}`: a reference to the environment variable NAME. */
export const envReference = (name: string): string => `\${${name}}`;
