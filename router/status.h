/* `npiperouter status`: the running instance described for people or JSON. */
#ifndef NPR_STATUS_H
#define NPR_STATUS_H

struct evbuffer;
struct server;

void status_render_text(const struct server *, struct evbuffer *);
void status_render_json(const struct server *, struct evbuffer *);
/* `npiperouter env`: "ROUTE\tVAR\tVALUE" for each route that listens and
 * has a variable (shellenv.h), the first route of each variable; "ROUTE"
 * alone for every other route in force. */
void status_render_env(const struct server *, struct evbuffer *);
/* One line per exposed route, "NAME<TAB>STATE<TAB>ERROR" (ERROR empty
 * when none; tabs and newlines in it become spaces), for `doctor`. */
void status_render_exposures(const struct server *, struct evbuffer *);
/* S as a JSON string, quoted and escaped. */
void status_json_string(struct evbuffer *, const char *s);

#endif
