"""The ground floor every app builds on and none owns: the API's typed input and one error shape
(`api`), refusals said on pages (`errors`), requests refused before a view (`bad_input`), the
language switch (`language`), request rates (`throttles`), where a request came from and where a
page is (`addresses`), long lists a page at a time (`pages`), the one upload rule (`uploads`), PDFs
(`pdf`) and the web app's service worker (`pwa`). It imports no app and not `config`
(import-linter contract): apps import it, never the other way round."""
