/**
 * In place of the composer once you are no longer a participant (removed from the project,
 * or you left): the history stays readable, nothing can be written, and what you had
 * written that was still waiting is said to be dropped, not offered again. An archived
 * channel (`archived`) says so instead: it is read-only for everyone until unarchived.
 */
export function ReadOnlyNotice(props: { dropped: number; archived?: boolean }) {
  const n = props.dropped;
  return (
    <div
      role="status"
      data-testid="read-only"
      class="border-t border-slate-200 dark:border-slate-700 bg-slate-50 dark:bg-slate-800 px-5 py-3 text-sm text-slate-700 dark:text-slate-300"
    >
      {props.archived
        ? (
          <p>
            <span class="font-semibold">This channel is archived.</span>{" "}
            You can read and search it, but nobody can write in it.
          </p>
        )
        : <p>You are no longer a participant of this conversation. You can still read it here.</p>}
      {n > 0 && (
        <p class="mt-1 font-medium text-red-700 dark:text-red-300">
          {n === 1 ? "1 message you wrote was not sent." : `${n} messages you wrote were not sent.`}
        </p>
      )}
    </div>
  );
}
