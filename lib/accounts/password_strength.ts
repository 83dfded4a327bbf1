import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";

/**
 * zxcvbn with its common dictionaries (the most used passwords, names, wiki words) and the
 * keyboard graphs. Built on first use: the dictionaries take a moment to rank.
 */
let checker: ZxcvbnFactory | null = null;

/**
 * Whether a password is among the easiest to guess: zxcvbn's score 0 or 1 (under about a
 * million guesses), which covers the common-password lists ("password1", "qwertyuiop",
 * "iloveyou") and trivial patterns ("aaaaaaaa", "12345678"). Only the password is checked:
 * nothing is sent anywhere.
 */
export function isTooGuessable(password: string, userInputs: string[] = []): boolean {
  checker ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
  });
  // zxcvbn's cost grows with length; past 100 characters a password is not "common".
  if (password.length > 100) return false;
  return checker.check(password, userInputs).score <= 1;
}
