/** "ada is typing…", "ada and bob are typing…", "3 people are typing…"; empty when no one is. */
export function typingText(names: string[]): string {
  const [first, second] = names;
  if (first === undefined) return "";
  if (second === undefined) return `${first} is typing…`;
  if (names.length === 2) return `${first} and ${second} are typing…`;
  return `${names.length} people are typing…`;
}

/** A polite live region naming who is typing in the room right now. */
export function TypingIndicator({ names }: { names: string[] }) {
  return (
    <div className="pl-typing" aria-live="polite">
      {typingText(names)}
    </div>
  );
}
