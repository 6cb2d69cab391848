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

typedef struct VisitorSegments
{
	Jsonb	   *properties;		/* what audience rules are matched against */
	JsonbValue *custom_segments;	/* segment ids (an array), or NULL */
} VisitorSegments;

/*
 * props: the visitor properties (an object); stored: the stored segments
 * (an object, or NULL); stored_only: the stored record holds nothing but
 * those segments (the SDK then keeps it as it is when the report segments
 * equal it).  Errors when customSegments of props is not an array.
 */
extern VisitorSegments visitor_segments(Jsonb *props, JsonbValue *stored,
										bool stored_only);

#endif
