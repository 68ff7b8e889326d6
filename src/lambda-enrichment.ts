import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Properties for a `LambdaEnrichment`.
 */
export interface LambdaEnrichmentProps {
  /**
   * Reshape what the pipe passes to the function.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html
   * @default - the function receives the batch of source records unchanged
   */
  readonly inputTransformation?: pipes.IInputTransformation;
}

/**
 * A Lambda function as the enrichment step of a pipe.
 *
 * The pipe invokes the function synchronously with the whole batch (a JSON array, even for a
 * batch of one) and sends what the function returns to the target. A function that throws makes
 * the pipe retry the whole batch.
 *
 * Shaped like `LambdaEnrichment` of `@aws-cdk/aws-pipes-enrichments-alpha` (which is not available
 * to this package's build), so that it can be swapped for it. Unlike that class it grants
 * `lambda:InvokeFunction` on the function's ARN only, not on all of its versions.
 *
 * The handler takes the batch and returns an array of the same length and order (at most 10
 * items for an SQS target); it throws to make the pipe retry the batch:
 * `export const handler = async (records) => records.map((r) => ({ id: r.dynamodb.Keys.id.S }));`
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html
 *
 * @example
 * new EnrichedStreamToQueue(this, 'Reminders', {
 *   table,
 *   enrichment: new LambdaEnrichment(enrichFunction, {
 *     // The function receives only the key of each record.
 *     inputTransformation: pipes.InputTransformation.fromObject({ id: '<$.dynamodb.Keys.id.S>' }),
 *   }),
 * });
 */
export class LambdaEnrichment implements pipes.IEnrichment {
  /**
   * The ARN of the enrichment function.
   */
  public readonly enrichmentArn: string;

  constructor(private readonly lambdaFunction: lambda.IFunction, private readonly props: LambdaEnrichmentProps = {}) {
    this.enrichmentArn = lambdaFunction.functionArn;
  }

  /**
   * Bind this enrichment to a pipe.
   */
  public bind(pipe: pipes.IPipe): pipes.EnrichmentParametersConfig {
    return {
      enrichmentParameters: {
        inputTemplate: this.props.inputTransformation?.bind(pipe).inputTemplate,
      },
    };
  }

  /**
   * Allow the pipe's role to invoke the function, and nothing more.
   */
  public grantInvoke(grantee: iam.IRole): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.lambdaFunction.functionArn],
    });
  }
}
