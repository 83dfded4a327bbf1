/**
 * The click handler of a control that works without JavaScript (a form's submit button, a
 * link that reloads the page): with JavaScript, `run` happens instead of the submit or the
 * navigation.
 */
export function instead(run: () => void): (e: Event) => void {
  return (e) => {
    e.preventDefault();
    run();
  };
}
