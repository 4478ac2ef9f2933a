/**
 * Importing a wg-quick .conf: chosen with the file picker or dropped on the
 * zone. The renderer only reads the text; parsing and checking happen in the
 * app (importProfile), which answers with the profile or with the problems.
 */
import { useState, type DragEvent } from 'react';
import { useClient } from '../../ipc/context.js';
import { useAction } from '../../hooks/useAction.js';
import { ImportProblems, type Problem } from './ImportProblems.js';

/** importProfile's own limits (schema): checked first, to say why in plain words. */
const MAX_TEXT = 1_000_000;
const MAX_NAME = 255;

interface Rejected {
  fileName: string;
  text: string;
  problems: Problem[];
}

export function ImportProfile({ onImported }: { onImported: () => void }) {
  const client = useClient();
  const action = useAction();
  const [rejected, setRejected] = useState<Rejected | null>(null);
  const [notice, setNotice] = useState('');
  const [dragging, setDragging] = useState(false);

  async function importFile(file: File) {
    setRejected(null);
    setNotice('');
    action.clearError();
    if (file.size > MAX_TEXT * 4) {
      setRejected({ fileName: file.name, text: '', problems: [tooBig()] });
      return;
    }
    const text = await file.text();
    if (text.length > MAX_TEXT) {
      setRejected({ fileName: file.name, text: '', problems: [tooBig()] });
      return;
    }
    const fileName = file.name.slice(-MAX_NAME);
    const result = await action.run(() => client.importProfile({ fileName, text }));
    if (!result) return;
    if (result.ok) {
      setNotice(`Imported ${result.profile.name}.`);
      onImported();
    } else {
      setRejected({ fileName: file.name, text, problems: result.problems });
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) void importFile(file);
  }

  return (
    <section className="import" aria-labelledby="import-heading">
      <h2 id="import-heading">Import a profile</h2>
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        role="region"
        aria-label="Drop a .conf file here"
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          // Without this the browser would open the dropped file instead.
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <p aria-hidden="true">Drop a .conf file here, or</p>
        <label className="file-button">
          <span>Import profile</span>
          <input
            type="file"
            accept=".conf"
            disabled={action.busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              // Cleared so choosing the same file again (after fixing it) fires again.
              e.target.value = '';
              if (file) void importFile(file);
            }}
          />
        </label>
        <p className="muted">WireGuard (wg-quick) configuration files.</p>
      </div>
      <p className="notice" aria-live="polite">
        {action.busy ? 'Importing…' : notice}
      </p>
      {action.error && (
        <p className="error-text" role="alert">
          {action.error}
        </p>
      )}
      {rejected && <ImportProblems {...rejected} />}
    </section>
  );
}

function tooBig(): Problem {
  return {
    line: null,
    message: 'The file is larger than 1 MB; a WireGuard profile is much smaller.',
  };
}
