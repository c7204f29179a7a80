/**
 * The small "bot" mark beside a bot account's name (a message's author, a member, a person's card),
 * so that nobody mistakes a script for a person. Screen readers hear "bot" after the name.
 */
export function BotMark() {
  return (
    <span className="pl-tag pl-bot-mark" title="Bot account: acts through access tokens, not a person">
      bot
    </span>
  );
}
