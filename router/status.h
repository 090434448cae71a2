/* `npiperouter status`: the running instance described for people or JSON. */
#ifndef NPR_STATUS_H
#define NPR_STATUS_H

struct evbuffer;
struct server;

void status_render_text(const struct server *, struct evbuffer *);
void status_render_json(const struct server *, struct evbuffer *);

#endif
