/**
 * JSON text for snapshot files, from Avro generic values and Jackson trees.
 *
 * <p>{@link dev.simsnap.render.json.JsonWriter} writes a value in a {@link dev.simsnap.render.json.JsonFormat}:
 * either byte-for-byte what Python's {@code json.dumps} / {@code json.dump} write (layouts whose files a Python
 * program used to write, e.g. {@code information.json} with {@code indent=4}, {@code gen_<N>.json} with
 * {@code indent=2}), or simsnap's legacy canonical form. Decisions worth knowing:
 * <ul>
 *   <li>keys are never sorted: records in writer-schema order, maps in iteration order (decode with
 *       {@link dev.simsnap.render.json.OrderedGenericDatumReader} to keep the encoded order);</li>
 *   <li>Avro {@code bytes} and {@code fixed} are rejected, as Python's json rejects bytes;</li>
 *   <li>Avro {@code float} is widened through its shortest decimal ({@code 0.1f} → {@code 0.1}) in the Python form,
 *       exactly in the canonical form ({@link dev.simsnap.render.json.JsonFormat.Float32});</li>
 *   <li>doubles follow Python's {@code repr} ({@link dev.simsnap.render.json.PythonFloat}), with shortest digits
 *       from Jackson's Schubfach, never the JDK 17 {@code Double.toString}.</li>
 * </ul>
 */
package dev.simsnap.render.json;
