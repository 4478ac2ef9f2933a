/**
 * The window: connection banner, section tabs on the left, the selected
 * section's view. Views are mounted only while shown (the Logs view must not
 * page through a log nobody looks at); the tunnel state lives above them.
 */
import { useState } from 'react';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { Notices } from './components/Notices.js';
import { panelId, SectionTabs, tabId, type Section } from './components/SectionTabs.js';
import { TunnelStateProvider } from './hooks/useTunnelState.js';
import { LogsView } from './views/logs/LogsView.js';
import { ProfilesView } from './views/profiles/ProfilesView.js';
import { SettingsView } from './views/settings/SettingsView.js';
import { StatusView } from './views/status/StatusView.js';

function SectionView({ section }: { section: Section }) {
  switch (section) {
    case 'Status':
      return <StatusView />;
    case 'Profiles':
      return <ProfilesView />;
    case 'Logs':
      return <LogsView />;
    case 'Settings':
      return <SettingsView />;
  }
}

export function App() {
  const [section, setSection] = useState<Section>('Status');
  return (
    <TunnelStateProvider>
      <div className="app">
        <ConnectionBanner />
        <nav className="sidebar" aria-label="Slipstream">
          <p className="brand">Slipstream</p>
          <SectionTabs current={section} onSelect={setSection} />
        </nav>
        <main className="panel">
          <div role="tabpanel" id={panelId(section)} aria-labelledby={tabId(section)}>
            {/* Keyed: a view that failed gets a fresh start when another is chosen. */}
            <ErrorBoundary key={section} what="this page">
              <SectionView section={section} />
            </ErrorBoundary>
          </div>
        </main>
        <Notices />
      </div>
    </TunnelStateProvider>
  );
}
