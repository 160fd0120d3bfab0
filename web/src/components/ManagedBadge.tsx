/** Why a managed rule or target cannot be changed here: the sentence its disabled controls point to. */
export function managedReason(file: string): string {
  return `Managed by the rules file ${file}: change it there and apply it (the API refuses changes made here).`;
}

/**
 * Marks a rule or target a rules file manages: "managed by <file>", with the reason as a tooltip
 * and, for screen readers and touch screens, as text that `id` lets disabled controls point to.
 */
export function ManagedBadge({ file, id }: { file: string; id: string }) {
  return (
    <span className="badge badge-info badge-managed" title={managedReason(file)} data-testid="managed-badge">
      managed by <code>{file}</code>
      <span id={id} className="visually-hidden">
        {managedReason(file)}
      </span>
    </span>
  );
}
