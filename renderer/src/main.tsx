/** Entry point: connect to the app (Electron bridge or web harness) and mount the UI. */
// First, before any module that builds a zod schema (see zod-config.ts).
import './zod-config.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { ErrorBoundary } from './components/ErrorBoundary.js';
import { IpcProvider } from './ipc/context.js';
import { connectIpc } from './transport/select-transport.js';
import './styles/theme.css';
import './styles/base.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <ErrorBoundary what="Slipstream">
        <IpcProvider ipc={connectIpc()}>
          <App />
        </IpcProvider>
      </ErrorBoundary>
    </StrictMode>,
  );
}
