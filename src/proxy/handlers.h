/* One handler per route: read the request's parameters, make the one SQL
 * call, turn its result into the response. */
#ifndef CONVERT_PROXY_HANDLERS_H
#define CONVERT_PROXY_HANDLERS_H

#include "request.h"

enum MHD_Result handle_config(struct server *srv, struct MHD_Connection *c,
							  struct request *rq);
enum MHD_Result handle_track(struct server *srv, struct MHD_Connection *c,
							 struct request *rq);
enum MHD_Result handle_health(struct server *srv, struct MHD_Connection *c,
							  struct request *rq);
enum MHD_Result handle_preflight(struct server *srv, struct MHD_Connection *c,
								 struct request *rq);

#endif
