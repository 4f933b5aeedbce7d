// IceVeil first-run page: fills in its strings and the private-window status; it changes nothing.
import { allowedInPrivate, openOptionsPage } from './lib/api.js';
import { localize, showPrivateStatus } from './lib/ui.js';

localize(document);
const $ = (id) => document.getElementById(id);
allowedInPrivate().catch(() => null).then((allowed) => {
  showPrivateStatus($('private-value'), $('private-help'), allowed);
  document.body.dataset.ready = 'true';
});
$('open-options').addEventListener('click', () => openOptionsPage());
