package dev.simsnap.service.http;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The point an as-of read asks for: a step ({@code ?iteration=N} for snapshots, {@code ?step=N} for generations), or
 * the simulation's own clock ({@code ?clock=field:value,...}, e.g. {@code virtual_date:2,iteration:1}), which stands
 * for the last consistent step whose committed clock is at or before it ({@link ServiceContext#stepAt}).
 */
final class AsOf {

    private AsOf() {
    }

    /**
     * The step asked for with {@code ?<stepParam>=} or {@code ?clock=}; null when neither is given.
     *
     * @throws ApiException 400 when both are given or either is malformed; what {@link ServiceContext#stepAt}
     *                      answers for a clock (404 unknown run, 400 a clock that is not the run's, 409 no consistent
     *                      step that early)
     */
    static Long step(Context ctx, Routing routing, String stepParam) {
        Long step = number(ctx, stepParam);
        String clock = ctx.queryParam("clock");
        if (clock == null) {
            return step;
        }
        if (step != null) {
            throw new ApiException(400, "use either ?" + stepParam + "= or ?clock=");
        }
        Map<String, Long> fields = new LinkedHashMap<>();
        for (String part : clock.split(",", -1)) {
            int colon = part.indexOf(':');
            if (colon <= 0 || !part.substring(colon + 1).matches("-?[0-9]{1,18}")
                    || fields.put(part.substring(0, colon), Long.parseLong(part.substring(colon + 1))) != null) {
                throw new ApiException(400, "?clock= takes field:value pairs separated by commas, each field once"
                        + " (e.g. virtual_date:2,iteration:1), not '" + ApiErrors.printable(clock) + "'");
            }
        }
        return routing.service().stepAt(Routing.runId(ctx), fields);
    }

    /** The non-negative whole number in {@code ?<name>=}, or null when absent (400 when malformed). */
    static Long number(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return null;
        }
        if (!value.matches("[0-9]{1,18}")) {
            throw ApiErrors.badNumber(name, value);
        }
        return Long.parseLong(value);
    }
}
