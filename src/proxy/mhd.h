/* libmicrohttpd wants the socket headers before its own. */
#ifndef CONVERT_PROXY_MHD_H
#define CONVERT_PROXY_MHD_H

#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdarg.h>
#include <microhttpd.h>

#endif
