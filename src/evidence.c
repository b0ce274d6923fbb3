/* evidence: names and sentences of the lists in evidence.h. */
#include "evidence.h"

#include <stddef.h>

#define NAME2(id, name) name,
#define NAME3(id, name, sentence) name,
#define SENTENCE(id, name, sentence) sentence,
#define REFINE_TO_EV(id, name) EV_##id,

static const char *const evidence_names[EV_COUNT] = { CORR_EVIDENCE(NAME3) };
static const char *const evidence_sentences[EV_COUNT] = { CORR_EVIDENCE(SENTENCE) };
static const char *const outcome_names[OUT_COUNT] = { CORR_OUTCOMES(NAME2) };
static const char *const status_names[ST_COUNT] = { CORR_STATUSES(NAME2) };
static const corr_evidence refine_evidence[REFINE_COUNT] = { CORR_REFINEMENTS(REFINE_TO_EV) };

const char *const corr_refine_names[REFINE_COUNT + 1] = { CORR_REFINEMENTS(NAME2) NULL };

const char *corr_evidence_name(corr_evidence ev)
{
	return (unsigned)ev < EV_COUNT ? evidence_names[ev] : "unknown";
}

const char *corr_evidence_sentence(corr_evidence ev)
{
	return (unsigned)ev < EV_COUNT ? evidence_sentences[ev] : "the only candidate";
}

const char *corr_outcome_name(corr_outcome out)
{
	return (unsigned)out < OUT_COUNT ? outcome_names[out] : "unknown";
}

const char *corr_status_name(corr_status st)
{
	return (unsigned)st < ST_COUNT ? status_names[st] : "unknown";
}

corr_evidence corr_refine_evidence(corr_refine r)
{
	return refine_evidence[r];
}
