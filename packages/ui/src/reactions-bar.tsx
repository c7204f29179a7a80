import { Icon } from "./icons";

/** One emoji under a message, as this reader sees it. */
export interface ReactionEntry {
  emoji: string;
  count: number;
  /** Whether I reacted with it (the button is pressed). */
  mine: boolean;
  /** Who reacted, by name, oldest first. */
  names: string[];
}

export interface ReactionsBarProps {
  reactions: ReactionEntry[];
  /** Adds or removes my reaction with this emoji; absent when I may not react. */
  onToggle?: (emoji: string, add: boolean) => void;
  /** Opens the emoji picker for a new reaction. */
  onAdd?: () => void;
}

/** "Ann", "Ann and Ben", "Ann, Ben and 3 others". */
export function namesText(names: string[], max = 3): string {
  if (names.length <= 1) return names[0] ?? "nobody";
  if (names.length <= max) return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  const others = names.length - max;
  return `${names.slice(0, max).join(", ")} and ${others} other${others === 1 ? "" : "s"}`;
}

/** The reactions under a message: each emoji with its count, pressed when mine; who reacted in its title. */
export function ReactionsBar({ reactions, onToggle, onAdd }: ReactionsBarProps) {
  if (reactions.length === 0) return null;
  return (
    <ul className="pl-reactions" aria-label="Reactions">
      {reactions.map((reaction) => {
        const who = `${namesText(reaction.names, 10)} reacted with ${reaction.emoji}`;
        return (
          <li key={reaction.emoji}>
            <button
              type="button"
              className="pl-reaction"
              aria-pressed={reaction.mine}
              title={who}
              aria-label={`${reaction.emoji} ${reaction.count}: ${who}${reaction.mine ? " (press to remove yours)" : ""}`}
              disabled={!onToggle}
              onClick={() => onToggle?.(reaction.emoji, !reaction.mine)}
            >
              <span aria-hidden="true">{reaction.emoji}</span>
              <span className="pl-reaction-count" aria-hidden="true">
                {reaction.count}
              </span>
            </button>
          </li>
        );
      })}
      {onAdd ? (
        <li>
          <button type="button" className="pl-reaction pl-reaction-add" onClick={onAdd} aria-label="Add reaction">
            <Icon name="react" />
          </button>
        </li>
      ) : null}
    </ul>
  );
}
