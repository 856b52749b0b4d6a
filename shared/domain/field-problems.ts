import { REQUEST_LIMITS, VALIDATION_REASONS } from './constants.ts';
import { type FieldProblem, InviteValidationError } from './errors.ts';

/** Collects every problem with an input so one error can list them all. */
export class FieldProblems {
  readonly list: FieldProblem[] = [];
  #unlisted = 0;

  /** Records a problem; past the listing limit it is only counted. Returns undefined. */
  add(name: string, message: string): undefined {
    if (this.list.length < REQUEST_LIMITS.maxListedFieldErrors) this.list.push({ name, message });
    else this.#unlisted++;
    return undefined;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** An `InviteValidationError` listing every problem recorded. */
  toError(): InviteValidationError {
    const more = this.#unlisted > 0 ? ` (and ${this.#unlisted} more)` : '';
    const names = [...new Set(this.list.map((problem) => problem.name.replace(/\[\d+\]$/, '')))];
    return new InviteValidationError(
      `Invalid input in ${names.join(', ')}${more}`,
      VALIDATION_REASONS.fieldValidationFailed,
      this.list,
    );
  }
}
