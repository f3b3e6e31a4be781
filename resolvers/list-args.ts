import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int } from 'type-graphql';
import { MAX_PAGE_SIZE } from './pagination.js';

@ArgsType()
export class ListArgs {
  @Field(() => String, { nullable: true, description: 'Only this namespace; every namespace you can see when absent.' })
  namespace?: string;

  @Field(() => String, { nullable: true, description: 'A Kubernetes label selector, e.g. "env=prod".' })
  selector?: string;

  @Field(() => String, { nullable: true, description: 'Only objects whose name contains this text.' })
  nameContains?: string;

  @Field(() => Int, { nullable: true, description: `Page size (default 100, at most ${MAX_PAGE_SIZE}).` })
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string;
}
