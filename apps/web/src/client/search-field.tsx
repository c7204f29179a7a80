/** A labelled search box; the caller debounces what it does with the text. */
export function SearchField(props: { id: string; label: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="pl-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="search"
        className="pl-input"
        value={props.value}
        maxLength={64}
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  );
}
