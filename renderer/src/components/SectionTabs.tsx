/**
 * The left navigation, as an ARIA tab list: Tab reaches the selected section,
 * arrow keys (and Home/End) move between sections, as screen reader users
 * expect of tabs.
 */
import { useRef, type KeyboardEvent } from 'react';

export const SECTIONS = ['Status', 'Profiles', 'Logs', 'Settings'] as const;
export type Section = (typeof SECTIONS)[number];

export const tabId = (section: Section) => `tab-${section.toLowerCase()}`;
export const panelId = (section: Section) => `panel-${section.toLowerCase()}`;

export function SectionTabs(props: { current: Section; onSelect: (section: Section) => void }) {
  const refs = useRef(new Map<Section, HTMLButtonElement>());

  function onKeyDown(event: KeyboardEvent) {
    const at = SECTIONS.indexOf(props.current);
    const last = SECTIONS.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: at === last ? 0 : at + 1,
      ArrowRight: at === last ? 0 : at + 1,
      ArrowUp: at === 0 ? last : at - 1,
      ArrowLeft: at === 0 ? last : at - 1,
      Home: 0,
      End: last,
    };
    const target = moves[event.key];
    const section = target === undefined ? undefined : SECTIONS[target];
    if (!section) return;
    event.preventDefault();
    props.onSelect(section);
    refs.current.get(section)?.focus();
  }

  return (
    <div className="tabs" role="tablist" aria-label="Sections" aria-orientation="vertical">
      {SECTIONS.map((section) => {
        const selected = section === props.current;
        return (
          <button
            key={section}
            ref={(el) => {
              if (el) refs.current.set(section, el);
            }}
            type="button"
            role="tab"
            id={tabId(section)}
            aria-selected={selected}
            aria-controls={panelId(section)}
            tabIndex={selected ? 0 : -1}
            className="tab"
            onClick={() => props.onSelect(section)}
            onKeyDown={onKeyDown}
          >
            {section}
          </button>
        );
      })}
    </div>
  );
}
