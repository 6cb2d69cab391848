/*
 * visitor_segments.h — what the SDK's createContext(visitorId,
 * visitorProperties) does with the visitor properties, on jsonb.
 *
 * The report-segment keys (country, browser, devices, source, campaign,
 * visitorType, customSegments) leave the properties and are merged into
 * the visitor's stored segments; a run call then sees
 * merge(stored segments, the other properties).  Segment targeting reads
 * customSegments of the stored segments, so a customSegments list given
 * with the visitor properties counts there too.
 */
#ifndef CONVERT_PG_VISITOR_SEGMENTS_H
#define CONVERT_PG_VISITOR_SEGMENTS_H

#include "postgres.h"

#include "utils/jsonb.h"

/*
 * The SDK tests customSegments.includes(id): an array holds segment ids, a
 * string is searched for them as text; on anything else it throws.
 */
#define CUSTOM_SEGMENTS_PROBLEM "must be an array of segment ids (or a string)"

/* Is customSegments of this object absent, an array or a string? */
extern bool visitor_segments_custom_ok(JsonbContainer *object);

typedef struct VisitorSegments
{
	Jsonb	   *properties;		/* what audience rules are matched against */
	JsonbValue *custom_segments;	/* segment ids: an array, a string, or NULL */
} VisitorSegments;

/*
 * props: the visitor properties (an object); stored: the stored segments
 * (an object, or NULL); stored_only: the stored record holds nothing but
 * those segments (the SDK then keeps it as it is when the report segments
 * equal it).  Errors when customSegments of props is not
 * visitor_segments_custom_ok.
 */
extern VisitorSegments visitor_segments(Jsonb *props, JsonbValue *stored,
										bool stored_only);

#endif
